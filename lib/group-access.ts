/**
 * What each route group's function may touch: the least-privilege matrix, in one place.
 * Written out rather than derived, because it is a security decision: a route group without an
 * entry here fails the build, so no group is deployed before someone decides its rights.
 *
 * - Only groups that issue or change status sign, and only through a session tagged with the
 *   school the request is for (see constructs/school-signing.ts).
 * - Status lists are signed when they change (issuer, wallet issuance at list rollover) or are
 *   first created (operator); the documents function serves what was published, so readers get
 *   no KMS at all, and only GetItem (lambdas/adapters/dynamo-reader.ts).
 */
import type { RouteGroup } from '../lambdas/http/routes';

export type TableAction = 'dynamodb:GetItem' | 'dynamodb:Query' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem';

export interface GroupAccess {
  /** The table actions its stores call; nothing the code does not use. */
  table: readonly TableAction[];
  /** May assume the school signer role, for the school its request is for. */
  signs: boolean;
  /** May create a school's KMS key and OAuth2 client (registration). */
  registersSchools: boolean;
}

/**
 * Every route group must have an entry (a missing one fails typecheck). An entry may exist for a
 * group the route table does not have yet, so the matrix can be decided ahead of the routes.
 */
export type ForEveryGroup<T> = Record<RouteGroup, T> & Partial<Record<string, T>>;

/** lambdas/adapters/dynamo/dynamo-store.ts: conditional puts and updates, queries, no deletes. */
const STORE_WRITER: readonly TableAction[] = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

export const GROUP_ACCESS: ForEveryGroup<GroupAccess> = {
  issuer: { table: STORE_WRITER, signs: true, registersSchools: false },
  operator: { table: STORE_WRITER, signs: true, registersSchools: true },
  verifier: { table: ['dynamodb:GetItem'], signs: false, registersSchools: false },
  documents: { table: ['dynamodb:GetItem'], signs: false, registersSchools: false },
  // OpenID4VCI: issues to wallets (signs, for the school of the offer) and consumes one-time
  // offers and nonces (lambdas/adapters/dynamo/wallet-store.ts deletes them).
  wallet: { table: [...STORE_WRITER, 'dynamodb:DeleteItem'], signs: true, registersSchools: false },
};

/** Writes need the table key's data-key operations too; reads only decrypt. */
export const writesTable = (access: GroupAccess) => access.table.some((a) => a !== 'dynamodb:GetItem' && a !== 'dynamodb:Query');
