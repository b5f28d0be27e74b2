/**
 * A school as its operator needs to see it, and nothing secret: which key signs now and its
 * reference (the KMS key ARN a key policy, CloudTrail or a key to disable after a compromise is
 * about), the keys its DID document still lists, its app client, its current status list.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import { signingKey } from '../signing-key';
import { timeZoneOf } from '../time-zone';
import { invalidUai, isValidUai } from '../uai';

export async function showSchool(deps: CoreDeps, uai: string) {
  if (!isValidUai(uai)) throw invalidUai(uai);
  const school = await deps.store.getSchool(uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${uai} is not registered`);
  const signing = signingKey(school, deps.clock());
  return {
    uai: school.uai,
    name: school.name,
    did: school.did,
    timeZone: timeZoneOf(school),
    createdAt: school.createdAt,
    signing: { kid: signing.kid, keyRef: signing.keyRef },
    // Published ahead of signing (a routine rotation), or the key it replaces until then.
    ...(school.nextKey && signing.kid !== school.nextKey.kid ? { next: { kid: school.nextKey.kid, keyRef: school.nextKey.keyRef, activeFrom: school.nextKey.activeFrom } } : {}),
    ...(school.nextKey && signing.kid === school.nextKey.kid ? { replaced: { kid: school.kid, keyRef: school.keyRef } } : {}),
    // Retired keys still listed so that what they signed verifies (their references are in the rotations' audit events).
    retired: (school.previousKeys ?? []).map((k) => ({ kid: k.kid, retiredAt: k.retiredAt })),
    ...(school.clientId ? { clientId: school.clientId } : {}),
    currentStatusList: school.currentList,
  };
}
