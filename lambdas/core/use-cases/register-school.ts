/**
 * Registers a school as an issuer: validates its UAI, creates its own signing key, DID and
 * first status lists, and returns its API token (shown once, stored only as a hash).
 */
import { createHash } from 'node:crypto';
import type { OperatorDeps } from '../deps';
import { schoolDid } from '../did-web';
import { AttestoError } from '../errors';
import type { SchoolRecord } from '../records';
import { isoSeconds } from '../credential/build';
import { publishStatusLists } from '../status/publish';
import { isValidUai } from '../uai';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Tokens name their school so auth is one key lookup: `atst_<uai>_<256 random bits>`. */
export const newToken = (deps: Pick<OperatorDeps, 'randomToken'>, uai: string) => `atst_${uai}_${deps.randomToken(32)}`;

export interface RegisteredSchool {
  uai: string;
  name: string;
  did: string;
  token: string;
}

export async function registerSchool(deps: OperatorDeps, input: { uai: string; name: string; actor: string }): Promise<RegisteredSchool> {
  const uai = input.uai.trim();
  const name = input.name.trim();
  if (!isValidUai(uai)) {
    throw new AttestoError('INVALID_UAI', `"${input.uai}" is not a valid UAI: 7 digits then the check letter "ABCDEFGHJKLMNPRSTUVWXYZ"[number mod 23]`);
  }
  if (name.length === 0 || name.length > 200) throw new AttestoError('VALIDATION_FAILED', 'name must be 1 to 200 characters');
  if (await deps.store.getSchool(uai)) throw new AttestoError('SCHOOL_EXISTS', `school ${uai} is already registered`);

  const { keyRef, publicJwk } = await deps.keys.createKey(uai);
  const did = schoolDid(deps.publicUrl, uai);
  const token = newToken(deps, uai);
  const now = isoSeconds(deps.clock());
  const school: SchoolRecord = { uai, name, did, kid: `${did}#key-1`, keyRef, publicJwk, tokenHash: hashToken(token), currentList: 1, createdAt: now };

  await deps.store.createSchool(school);
  await deps.store.appendAudit({ uai, at: now, action: 'key.created', actor: input.actor, detail: { kid: school.kid } });
  await deps.store.appendAudit({ uai, at: now, action: 'school.registered', actor: input.actor, detail: { did } });
  // The first lists exist before any credential points at them.
  await publishStatusLists(deps, school, 1);
  return { uai, name, did, token };
}

/** Replaces a school's API token; the old one stops working at once. */
export async function rotateToken(deps: OperatorDeps, input: { uai: string; actor: string }): Promise<{ uai: string; token: string }> {
  if (!(await deps.store.getSchool(input.uai))) throw new AttestoError('UNKNOWN_SCHOOL', `school ${input.uai} is not registered`);
  const token = newToken(deps, input.uai);
  await deps.store.setTokenHash(input.uai, hashToken(token));
  await deps.store.appendAudit({ uai: input.uai, at: isoSeconds(deps.clock()), action: 'school.token-rotated', actor: input.actor });
  return { uai: input.uai, token };
}
