/**
 * Cutting a school's access at once, and giving it a new one. On AWS a school authenticates with
 * its OAuth2 app client, whose access tokens last an hour: deleting the client in Cognito does not
 * end the tokens it was already given. attesto accepts a client only while the school's record
 * names it (both sides must agree, adapters/dynamo/dynamo-store.ts `getSchoolByClientId`), so
 * revoking it here refuses every one of its tokens from the next request on. After a compromise:
 * revoke the client, rotate the key (`--compromised`), then give the school a new client.
 */
import type { OperatorDeps } from '../deps';
import { AttestoError } from '../errors';
import { isoSeconds } from '../credential/build';
import type { AuditEvent } from '../records';
import { canFindByClient } from '../store';
import { invalidUai, isValidUai } from '../uai';

async function schoolOf(deps: OperatorDeps, uai: string) {
  if (!isValidUai(uai)) throw invalidUai(uai);
  const school = await deps.store.getSchool(uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${uai} is not registered`);
  const store = deps.store;
  if (!canFindByClient(store)) throw new AttestoError('INTERNAL', 'this store does not keep OAuth2 clients');
  return { school, store };
}

/** Written after the change: should it fail, the answer says so rather than invite a retry that finds nothing to do. */
async function audited(deps: OperatorDeps, event: AuditEvent): Promise<string[]> {
  try {
    await deps.store.appendAudit(event);
    return [];
  } catch (e) {
    return [`the audit event ${event.action} could not be written (${e instanceof Error ? e.message : 'unknown error'}): record it by hand`];
  }
}

export async function revokeSchoolClient(deps: OperatorDeps, input: { uai: string; actor: string }) {
  const { school, store } = await schoolOf(deps, input.uai);
  const clientId = school.clientId;
  if (!clientId) throw new AttestoError('VALIDATION_FAILED', deps.schoolClients ? `school ${school.uai} has no OAuth2 app client (revoked already?): new-client gives it one` : `school ${school.uai} has no OAuth2 app client (it authenticates with an API token: rotate-token replaces it)`);
  if (!(await store.unlinkClient(school.uai, clientId))) throw new AttestoError('ROTATION_CONFLICT', `school ${school.uai} changed meanwhile: read it again`);
  const warnings = await audited(deps, { uai: school.uai, at: isoSeconds(deps.clock()), action: 'school.client-revoked', actor: input.actor, detail: { clientId } });
  // Deleted in Cognito too, so that it gets no new tokens either (those it has are refused already).
  if (deps.schoolClients) await deps.schoolClients.remove(clientId).catch(() => warnings.push(`the app client ${clientId} could not be deleted in Cognito (its tokens are refused all the same): delete it by hand`));
  else warnings.push(`the app client ${clientId} is not deleted in Cognito (no user pool given: ATTESTO_USER_POOL_ID); its tokens are refused all the same: delete it by hand`);
  return { uai: school.uai, revokedClientId: clientId, ...(warnings.length ? { warnings } : {}) };
}

export async function newSchoolClient(deps: OperatorDeps, input: { uai: string; actor: string }) {
  const { school, store } = await schoolOf(deps, input.uai);
  if (!deps.schoolClients) throw new AttestoError('VALIDATION_FAILED', 'schools authenticate with API tokens here, not OAuth2 clients: rotate-token gives a new one');
  if (school.clientId) throw new AttestoError('VALIDATION_FAILED', `school ${school.uai} still has the app client ${school.clientId}: revoke it first (revoke-client)`);
  const client = await deps.schoolClients.create(school.uai);
  const linked = await store.linkClient(school.uai, client.clientId).catch(async (e: unknown) => {
    await deps.schoolClients!.remove(client.clientId).catch(() => undefined);
    throw e;
  });
  if (!linked) {
    await deps.schoolClients.remove(client.clientId).catch(() => undefined);
    throw new AttestoError('ROTATION_CONFLICT', `school ${school.uai} was given another app client meanwhile: read it again`);
  }
  const warnings = await audited(deps, { uai: school.uai, at: isoSeconds(deps.clock()), action: 'school.client-created', actor: input.actor, detail: { clientId: client.clientId } });
  return { uai: school.uai, oauthClient: client, ...(warnings.length ? { warnings } : {}) };
}
