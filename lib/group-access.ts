/**
 * What each route group's function may touch: the least-privilege matrix, in one place.
 * Written out rather than derived, because it is a security decision: a route group without an
 * entry here fails the build, so no group is deployed before someone decides its rights.
 *
 * - Only groups that issue or change status sign, and only through a session tagged with the
 *   school the request is for (see constructs/school-signing.ts).
 * - Status lists are signed when they change (issuer, wallet issuance at list rollover) or are
 *   first created (operator); the documents function serves what was published, so readers get
 *   no KMS at all, and only BatchGetItem (lambdas/adapters/dynamo-reader.ts, which reads the
 *   items a request needs in one call).
 * - Writes are granted per partition key prefix (`dynamodb:LeadingKeys`, layout in
 *   lambdas/adapters/dynamo/table.ts), for exactly the prefixes each group's store calls write
 *   (traced in test/infra/table-access.test.ts). Only registration writes SCHOOL# and CLIENT#
 *   items; issuing functions may move a school to its next status list (`currentList`) and
 *   change nothing else of it. No function may delete or update an AUDIT# item.
 */
import type { RouteGroup } from '../lambdas/http/routes';

export type ReadAction = 'dynamodb:GetItem' | 'dynamodb:BatchGetItem' | 'dynamodb:Query';
export type WriteAction = 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem';

/** The partition key prefixes of the single table (lambdas/adapters/dynamo/table.ts, `keys`). */
export const KEY_PREFIXES = ['SCHOOL#', 'CLIENT#', 'CRED#', 'STATUS#', 'IDEM#', 'AUDIT#', 'OFFER#', 'ATOKEN#', 'NONCE#', 'DPOP#'] as const;
export type KeyPrefix = (typeof KEY_PREFIXES)[number];

/** The table's key attributes: every `dynamodb:Attributes` allow list must name them. */
export const KEY_ATTRIBUTES = ['pk', 'sk'] as const;

export interface TableAccess {
  /** Reads, on any item (the functions that read serve every school), unless `readOnly` narrows them. */
  read: readonly ReadAction[];
  /** Reads only on items whose partition key starts with one of these prefixes. */
  readOnly?: readonly KeyPrefix[];
  /** Each write action, on items whose partition key starts with one of these prefixes only. */
  write?: Partial<Record<WriteAction, readonly KeyPrefix[]>>;
  /**
   * UpdateItem on items of a prefix the group may not otherwise write, limited to the named
   * attributes (`dynamodb:Attributes`; the key attributes are added) and to return values that
   * hold nothing else (`dynamodb:ReturnValues`).
   */
  updateOnly?: Partial<Record<KeyPrefix, readonly string[]>>;
}

export interface GroupAccess {
  /** The table actions its stores call, on the key prefixes they call them on; nothing more. */
  table: TableAccess;
  /** May assume the school signer role, for the school its request is for. */
  signs: boolean;
  /** May create a school's KMS key and OAuth2 client, and write SCHOOL# and CLIENT# items (registration). */
  registersSchools: boolean;
}

/**
 * Every route group must have an entry (a missing one fails typecheck). An entry may exist for a
 * group the route table does not have yet, so the matrix can be decided ahead of the routes.
 */
export type ForEveryGroup<T> = Record<RouteGroup, T> & Partial<Record<string, T>>;

/**
 * lambdas/adapters/dynamo/dynamo-store.ts: gets (a reservation and its earlier version's, together:
 * BatchGetItem), and queries of status flags and audit days.
 */
const STORE_READS: readonly ReadAction[] = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
/** What the public functions read: school records (DID documents, issuer metadata) and status lists. */
export const PUBLIC_READS: readonly KeyPrefix[] = ['SCHOOL#', 'STATUS#'];

/**
 * Issuing a credential (core/use-cases/issue-credential.ts, core/status/*.ts): putCredential
 * (CRED#), putPublishedList (STATUS#), reserve/updateIdempotency (IDEM#), appendAudit (AUDIT#).
 */
const ISSUANCE_PUTS: readonly KeyPrefix[] = ['CRED#', 'STATUS#', 'IDEM#', 'AUDIT#'];
/** A full list rolls the school over to the next one: advanceList, `SET currentList`, nothing else. */
const LIST_ROLLOVER: TableAccess['updateOnly'] = { 'SCHOOL#': ['currentList'] };

export const GROUP_ACCESS: ForEveryGroup<GroupAccess> = {
  // Issues, changes status (putFlags: STATUS#; bumpStatusSeq: UpdateItem STATUS#), reads audit.
  // Reads what its store reads, and not the wallet's secrets' items (offers, tokens, nonces, DPoP
  // proofs), which no route of its group touches.
  issuer: {
    table: { read: STORE_READS, readOnly: ['SCHOOL#', 'CLIENT#', 'CRED#', 'STATUS#', 'IDEM#', 'AUDIT#'], write: { 'dynamodb:PutItem': ISSUANCE_PUTS, 'dynamodb:UpdateItem': ['STATUS#'] }, updateOnly: LIST_ROLLOVER },
    signs: true,
    registersSchools: false,
  },
  // Registers schools (createSchool: CLIENT# then SCHOOL#), audits it and publishes its first lists.
  // UpdateItem on SCHOOL# (setTokenHash) gives nothing PutItem on SCHOOL# does not already give.
  operator: {
    // UpdateItem on STATUS#: a publication that finds the school's key changed meanwhile (a rotation)
    // moves the list's sequence number on and publishes again (core/status/publish.ts).
    table: { read: STORE_READS, write: { 'dynamodb:PutItem': ['SCHOOL#', 'CLIENT#', 'STATUS#', 'AUDIT#'], 'dynamodb:UpdateItem': ['SCHOOL#', 'STATUS#'] } },
    signs: true,
    registersSchools: true,
  },
  // The internet-facing readers read what they serve (school records for DID documents, published
  // status lists) and nothing else: no offers, tokens, reservations, credentials or audit.
  verifier: { table: { read: ['dynamodb:BatchGetItem'], readOnly: PUBLIC_READS }, signs: false, registersSchools: false },
  documents: { table: { read: ['dynamodb:BatchGetItem'], readOnly: PUBLIC_READS }, signs: false, registersSchools: false },
  // OpenID4VCI: issues to wallets (signs, for the school of the offer), keeps offers, access
  // tokens and nonces (lambdas/adapters/dynamo/wallet-store.ts), and consumes the one-time ones:
  // deleteAccessToken (ATOKEN#) and consumeNonce (NONCE#) are its only deletes.
  wallet: {
    table: {
      read: STORE_READS,
      // Everything its stores read (schools, clients for school sessions, credentials, status,
      // reservations, offers, tokens, nonces), but not the audit trail, which it only appends to:
      // the most exposed of the signing functions cannot read every school's audit.
      readOnly: ['SCHOOL#', 'CLIENT#', 'CRED#', 'STATUS#', 'IDEM#', 'OFFER#', 'ATOKEN#', 'NONCE#'],
      write: {
        'dynamodb:PutItem': [...ISSUANCE_PUTS, 'OFFER#', 'ATOKEN#', 'NONCE#', 'DPOP#'],
        'dynamodb:UpdateItem': ['OFFER#', 'ATOKEN#', 'STATUS#'],
        'dynamodb:DeleteItem': ['ATOKEN#', 'NONCE#'],
      },
      updateOnly: LIST_ROLLOVER,
    },
    signs: true,
    registersSchools: false,
  },
};

/** Writes need the table key's data-key operations too; reads only decrypt. */
export const writesTable = (table: TableAccess) => Object.values(table.write ?? {}).some((p) => p.length > 0) || Object.keys(table.updateOnly ?? {}).length > 0;
