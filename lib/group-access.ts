/**
 * What each route group's function may touch: the least-privilege matrix, in one place.
 * Written out rather than derived, because it is a security decision; typed as a Record over
 * RouteGroup so a new group cannot be deployed without someone deciding its rights.
 *
 * - Only the groups that issue or change status sign, and only through a session tagged with
 *   the school the request is for (see constructs/school-signing.ts).
 * - Status lists are signed when they change (issuer) or are first created (operator); the
 *   documents function only serves what was published, so readers get no KMS at all.
 */
import type { RouteGroup } from '../lambdas/http/routes';

export interface GroupAccess {
  /** read: GetItem and Query; write: also PutItem and UpdateItem (the store never deletes). */
  table: 'read' | 'write';
  /** May assume the school signer role, for the school its request is for. */
  signs: boolean;
  /** May create a school's KMS key and OAuth2 client (registration). */
  registersSchools: boolean;
}

export const GROUP_ACCESS: Record<RouteGroup, GroupAccess> = {
  issuer: { table: 'write', signs: true, registersSchools: false },
  operator: { table: 'write', signs: true, registersSchools: true },
  verifier: { table: 'read', signs: false, registersSchools: false },
  documents: { table: 'read', signs: false, registersSchools: false },
};

/** The DynamoDB actions the store (lambdas/adapters/dynamo/dynamo-store.ts) uses, by access level. */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
} as const;
