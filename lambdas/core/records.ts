/**
 * What attesto keeps. Deliberately no personal data: a credential record holds ids,
 * kind, school, status slot, dates and a digest of what was signed, never names,
 * birth dates or grades (CNIL data minimisation).
 */
import type { JWK } from 'jose';

export type CredentialKind = 'EnrollmentCredential' | 'TranscriptCredential' | 'DiplomaCredential';
export type CredentialFormat = 'jwt_vc' | 'vc+jwt' | 'dc+sd-jwt';
export type StatusPurpose = 'revocation' | 'suspension';
export const STATUS_PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];
/**
 * What is published of a status list: one Bitstring Status List credential per purpose (W3C
 * credentials), and one Token Status List (`token`: SD-JWT VC), all built from the same slots.
 */
export type PublishedListKind = StatusPurpose | 'token';
export const PUBLISHED_LISTS: readonly PublishedListKind[] = [...STATUS_PURPOSES, 'token'];

export interface SchoolRecord {
  uai: string;
  name: string;
  did: string;
  /** IANA time zone the school's dates are days of (../time-zone.ts); DEFAULT_TIME_ZONE when absent (schools registered before it). */
  timeZone?: string;
  /** Verification method id used as JWS `kid`: `${did}#key-1`. */
  kid: string;
  /** Backend key reference (KMS key ARN, or local key id). */
  keyRef: string;
  publicJwk: JWK;
  /**
   * Keys replaced by a rotation, still listed in the DID document so that credentials they
   * signed keep verifying (dropped altogether after a compromise).
   */
  previousKeys?: { kid: string; publicJwk: JWK; retiredAt: string }[];
  /**
   * A key published in the DID document ahead of use (a routine rotation): the school signs with
   * it from `activeFrom`, once every cached copy of the document lists it.
   */
  nextKey?: { kid: string; keyRef: string; publicJwk: JWK; activeFrom: string };
  /**
   * The latest rotation's `key.rotated` audit event, saved with the keys it changed, after any
   * earlier ones whose write has not been confirmed (at most 10): should an audit write fail,
   * `republish-status-lists` or the next rotation writes them (the same events, each stored once).
   */
  rotationEvents?: AuditEvent[];
  /** The registration's audit events (key created, school registered), saved with the school for the same reason. */
  registrationEvents?: AuditEvent[];
  /** The latest token rotations' `school.token-rotated` events (at most 10), saved with the token's hash for the same reason. */
  tokenEvents?: AuditEvent[];
  /** SHA-256 (hex) of the school's API token; the token itself is never stored. */
  tokenHash: string;
  /** The school's OAuth2 client id, where schools authenticate with client credentials. */
  clientId?: string;
  /** Status list currently used for new credentials (1-based). */
  currentList: number;
  createdAt: string;
}

/** Where a credential's status bits live: list number and index within it. */
export interface StatusSlot {
  list: number;
  index: number;
}

export interface CredentialRecord {
  uai: string;
  credentialId: string;
  slot: StatusSlot;
  kind: CredentialKind;
  format: CredentialFormat;
  issuedAt: string;
  validFrom: string;
  validUntil?: string;
  issuedBy: string;
  /**
   * HMAC-SHA-256 (base64url) of the Idempotency-Key of the request that issued it, keyed by its
   * reservation's salt, so that a retry can recognise its own commit. Keyed: a school may have put
   * something personal in a key (a batch row id that is a student's INE), and this record is kept
   * as long as the credential, the salt only as long as the reservation (a plain SHA-256 on records
   * of earlier versions).
   */
  idempotencyKeyDigest?: string;
  /** The key itself, on records written before the digest. */
  idempotencyKey?: string;
  /**
   * Random, per commit attempt: a write whose answer was lost (the SDK's retry then finds the slot
   * taken) is recognised as its own, not as another credential's. Absent on older records.
   */
  commitId?: string;
}

/** Current status flags of one slot; absent means "never changed". */
export interface StatusFlags {
  index: number;
  revokedAt?: string;
  suspended: boolean;
  updatedAt: string;
  /**
   * The audit events of the change that wrote these flags, written with them: whichever request
   * comes next for this credential (the retry of one stopped before its audit) records them.
   * Absent on older records.
   */
  lastChange?: { at: string; actor: string; actions: AuditAction[] };
  /** How many status changes this credential has had (the last one's number): numbers its audit events, so two alike in one second stay two. */
  changes?: number;
}

/** A published (signed) status list: a Bitstring Status List credential, or the Token Status List. */
export interface PublishedStatusList {
  uai: string;
  list: number;
  purpose: PublishedListKind;
  jwt: string;
  /** Status change sequence number the list was built from (orders concurrent publications). */
  seq: number;
  publishedAt: string;
}

export type AuditAction =
  | 'school.registered'
  | 'school.token-rotated'
  | 'school.client-revoked'
  | 'school.client-created'
  | 'school.time-zone-set'
  | 'key.created'
  | 'key.rotated'
  | 'credential.issued'
  | 'credential.revoked'
  | 'credential.suspended'
  | 'credential.unsuspended'
  | 'status-list.created'
  | 'status-list.republished'
  | 'offer.created'
  | 'offer.redeemed'
  | 'offer.exhausted'
  | 'offer.withdrawn';

/** An audit event. Actor, school, action, target, time: never personal data. */
export interface AuditEvent {
  uai: string;
  at: string;
  action: AuditAction;
  actor: string;
  credentialId?: string;
  detail?: Record<string, string | number | boolean>;
}

/**
 * How long an Idempotency-Key holds its request (and the request's digest): 24 hours from the
 * first issuance. Past it, the record counts as gone, whether or not the store has removed it yet
 * (DynamoDB's TTL deletes within days, dynalite never): the same key then makes a new credential.
 */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export const idempotencyExpired = (record: Pick<IdempotencyRecord, 'issuedAt'>, now: Date) =>
  Date.parse(record.issuedAt) + IDEMPOTENCY_WINDOW_SECONDS * 1000 <= now.getTime();

export interface IdempotencyRecord {
  uai: string;
  /** The key as stored: its digest (`~…`), never the key itself, but on reservations of earlier versions. */
  key: string;
  requestHash: string;
  state: 'pending' | 'complete';
  /** Who holds the reservation; a stale one can be taken over. */
  owner: string;
  reservedAt: string;
  credentialId: string;
  slot: StatusSlot;
  issuedAt: string;
  /** Who asked (a client id, not a person): a replay audits the issuance as its first attempt did. Absent on older records. */
  actor?: string;
  /** Digest of the key a completed wallet credential is bound to (its thumbprint): it replays to that key only. */
  holderDigest?: string;
  /** Random: keys the mark its commit leaves on the credential record, and expires with this reservation. */
  salt?: string;
  /**
   * The school's time zone when the credential was first built: a replay builds it in the same
   * one, though the school's zone changed meanwhile (its dates would move by hours, under the same
   * id). Absent on reservations of earlier versions.
   */
  timeZone?: string;
}
