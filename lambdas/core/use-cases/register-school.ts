/**
 * Registers a school as an issuer: validates its UAI, creates its own signing key, DID and
 * first status lists, and returns its API token (shown once, stored only as a hash).
 */
import { DEFAULT_TIME_ZONE, requireTimeZone } from '../time-zone';
import { nfc } from '../text';
import { createHash } from 'node:crypto';
import type { OperatorDeps, SchoolClient } from '../deps';
import { schoolDid } from '../did-web';
import { AttestoError } from '../errors';
import type { AuditEvent, SchoolRecord } from '../records';
import { isoSeconds } from '../credential/build';
import { publishStatusLists } from '../status/publish';
import { invalidUai, isValidUai } from '../uai';
import { isPrintableName } from '../school-name';
import { republishHint } from './republish-status-lists';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Tokens name their school so auth is one key lookup: `atst_<uai>_<256 random bits>`. */
export const newToken = (deps: Pick<OperatorDeps, 'randomToken'>, uai: string) => `atst_${uai}_${deps.randomToken(32)}`;

export interface RegisteredSchool {
  uai: string;
  name: string;
  did: string;
  /** The IANA time zone its dates are days of. */
  timeZone: string;
  /** The school's API token (where schools authenticate with tokens), shown once. */
  token?: string;
  /** The school's OAuth2 client (where schools authenticate with client credentials), shown once. */
  oauthClient?: SchoolClient;
  /** What did not complete after the school was created: reported, not thrown, so its secret is not lost. */
  warnings?: string[];
}

export async function registerSchool(deps: OperatorDeps, input: { uai: string; name: string; actor: string; timeZone?: string }): Promise<RegisteredSchool> {
  const uai = input.uai.trim();
  // As credentials carry it, and every credential names the school (../text.ts).
  const name = nfc(input.name.trim());
  if (!isValidUai(uai)) throw invalidUai(input.uai);
  if (name.length === 0 || name.length > 200) throw new AttestoError('VALIDATION_FAILED', 'name must be 1 to 200 characters');
  // The CLI's path does not go through the request schema: the same rule, here.
  if (!isPrintableName(name)) throw new AttestoError('VALIDATION_FAILED', 'name must not contain control, bidirectional formatting or invisible characters, nor line breaks');
  // The days its credentials' dates are (../time-zone.ts): checked before any key is made.
  const timeZone = input.timeZone === undefined ? DEFAULT_TIME_ZONE : requireTimeZone(input.timeZone);
  if (await deps.store.getSchool(uai)) throw new AttestoError('SCHOOL_EXISTS', `school ${uai} is already registered`);

  const { keyRef, publicJwk } = await deps.keys.createKey(uai);
  // attesto's roles may not delete or disable keys (by design): should the registration fail
  // from here on, the operator is told which key it left behind, and any client it could not remove.
  const leftBehind = [`the signing key created for this attempt (${keyRef}) signs nothing: schedule its deletion`];
  const failed = (e: unknown) =>
    e instanceof AttestoError ? new AttestoError(e.code, `${e.message}; ${leftBehind.join('; ')}`, { cause: e, ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}) }) : e;

  const did = schoolDid(deps.publicUrl, uai);
  // With OAuth2 clients, the API token is never handed out: its hash only fills the slot.
  const token = newToken(deps, uai);
  let oauthClient: SchoolClient | undefined;
  try {
    oauthClient = deps.schoolClients ? await deps.schoolClients.create(uai) : undefined;
  } catch (e) {
    throw failed(e);
  }
  const now = isoSeconds(deps.clock());
  const kid = `${did}#key-1`;
  // Saved with the school, so that should their audit write fail, `republish-status-lists`
  // writes them (the same events, each stored once).
  const registrationEvents: AuditEvent[] = [
    { uai, at: now, action: 'key.created', actor: input.actor, detail: { kid } },
    { uai, at: now, action: 'school.registered', actor: input.actor, detail: { did, ...(oauthClient ? { clientId: oauthClient.clientId } : {}) } },
  ];
  const school: SchoolRecord = {
    uai,
    name,
    did,
    timeZone,
    kid,
    keyRef,
    publicJwk,
    tokenHash: hashToken(token),
    ...(oauthClient ? { clientId: oauthClient.clientId } : {}),
    currentList: 1,
    createdAt: now,
    registrationEvents,
  };

  try {
    await deps.store.createSchool(school);
  } catch (e) {
    if (oauthClient) {
      const { clientId } = oauthClient;
      await deps.schoolClients!.remove(clientId).catch(() => leftBehind.push(`its app client ${clientId} could not be removed: remove it by hand`));
    }
    throw failed(e);
  }
  // The school exists from here on: what fails now is reported with its secret, never instead of
  // it (a retry would only answer SCHOOL_EXISTS, and the secret is shown once).
  const warnings: string[] = [];
  const reason = (e: unknown) => (e instanceof Error ? e.message : 'unknown error');
  try {
    for (const event of registrationEvents) await deps.store.appendAudit(event);
  } catch (e) {
    warnings.push(`the registration's audit events could not be written (${reason(e)}): ${republishHint(uai)}, which records them`);
  }
  // The first lists exist before any credential points at them. Should this fail (a new KMS key
  // can take seconds to honour its tags), the first issuance publishes them (status/allocate.ts).
  try {
    await publishStatusLists(deps, school, 1);
  } catch (e) {
    warnings.push(`the first status lists could not be signed yet (${reason(e)}): the school's first issuance publishes them`);
  }
  return { uai, name, did, timeZone, ...(oauthClient ? { oauthClient } : { token }), ...(warnings.length ? { warnings } : {}) };
}

/**
 * Replaces a school's API token; the old one stops working at once. The event is saved with the
 * new token's hash, in the same write: should the audit write then fail, the new token is still
 * shown (the old one no longer works, and a retry would make yet another), with the command that
 * records the event (`republish-status-lists`).
 */
export async function rotateToken(deps: OperatorDeps, input: { uai: string; actor: string }): Promise<{ uai: string; token: string; warnings?: string[] }> {
  const school = await deps.store.getSchool(input.uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${input.uai} is not registered`);
  // Where schools authenticate with OAuth2 app clients (on AWS), a new API token would be accepted
  // nowhere, and an operator cutting a school off would believe it done: even once its client is
  // revoked (then it has none).
  if (school.clientId || deps.schoolClients) {
    throw new AttestoError('VALIDATION_FAILED', `school ${input.uai} authenticates with an OAuth2 app client${school.clientId ? ` (${school.clientId})` : ''}, not an API token: revoke-client cuts its access at once, new-client gives it a new one`);
  }
  const token = newToken(deps, input.uai);
  const event: AuditEvent = { uai: input.uai, at: isoSeconds(deps.clock()), action: 'school.token-rotated', actor: input.actor };
  await deps.store.setTokenHash(input.uai, hashToken(token), [...(school.tokenEvents ?? []), event].slice(-10));
  try {
    await deps.store.appendAudit(event);
  } catch (e) {
    return { uai: input.uai, token, warnings: [`the token rotation's audit event could not be written (${e instanceof Error ? e.message : 'unknown error'}): ${republishHint(input.uai)}, which records it`] };
  }
  return { uai: input.uai, token };
}
