/**
 * Rotating a school's signing key. The new key signs from now on. Routinely, the previous keys
 * stay in the DID document: every credential already issued keeps verifying. After a compromise
 * (`compromised: true`) they are dropped, so nothing they signed verifies any more, and the
 * school's status lists are re-published under the new key at once. Either way it is audited.
 */
import type { OperatorDeps } from '../deps';
import type { KeyRotationStore, Store } from '../store';
import { AttestoError } from '../errors';
import { isoSeconds } from '../credential/build';
import { publishStatusLists } from '../status/publish';

export async function rotateKey(deps: OperatorDeps & { store: Store & KeyRotationStore }, cmd: { uai: string; actor: string; compromised: boolean }) {
  const school = await deps.store.getSchool(cmd.uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${cmd.uai} is not registered`);
  const now = isoSeconds(deps.clock());
  const { keyRef, publicJwk } = await deps.keys.createKey(school.uai);
  const number = Math.max(...[school.kid, ...(school.previousKeys ?? []).map((k) => k.kid)].map((kid) => Number(/#key-(\d+)$/.exec(kid)?.[1] ?? 1))) + 1;
  const kid = `${school.did}#key-${number}`;
  const previousKeys = cmd.compromised ? [] : [{ kid: school.kid, publicJwk: school.publicJwk, retiredAt: now }, ...(school.previousKeys ?? [])];
  if (!(await deps.store.replaceKeys(school.uai, school.kid, { kid, keyRef, publicJwk, previousKeys }))) {
    throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'another key rotation of this school is in progress; retry', { retryAfter: 1 });
  }
  await deps.store.appendAudit({
    uai: school.uai,
    at: now,
    action: 'key.rotated',
    actor: cmd.actor,
    detail: { kid, previous: school.kid, compromised: cmd.compromised, ...(cmd.compromised ? { dropped: 1 + (school.previousKeys?.length ?? 0) } : {}) },
  });
  if (cmd.compromised) {
    // Lists signed by a dropped key no longer verify: sign every list again, now.
    const rotated = { ...school, kid, keyRef, publicJwk, previousKeys };
    for (let list = 1; list <= school.currentList; list++) {
      await deps.store.bumpStatusSeq(school.uai, list);
      await publishStatusLists(deps, rotated, list);
    }
  }
  return { uai: school.uai, kid, retired: school.kid, compromised: cmd.compromised, keysInDidDocument: 1 + previousKeys.length };
}
