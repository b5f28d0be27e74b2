/**
 * Setting a school's time zone after its registration: a school registered before schools had
 * zones is in Europe/Paris, and an overseas one needs its own (../time-zone.ts). Credentials issued
 * from then on carry its dates with the new zone's offsets; those issued before are as they were.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import { isoSeconds } from '../credential/build';
import { requireTimeZone, timeZoneOf } from '../time-zone';
import { invalidUai, isValidUai } from '../uai';

export async function setSchoolTimeZone(deps: CoreDeps, cmd: { uai: string; timeZone: string; actor: string }) {
  if (!isValidUai(cmd.uai)) throw invalidUai(cmd.uai);
  const timeZone = requireTimeZone(cmd.timeZone);
  const school = await deps.store.getSchool(cmd.uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${cmd.uai} is not registered`);
  const previous = timeZoneOf(school);
  await deps.store.setTimeZone(school.uai, timeZone);
  await deps.store.appendAudit({ uai: school.uai, at: isoSeconds(deps.clock()), action: 'school.time-zone-set', actor: cmd.actor, detail: { timeZone, previous } });
  return { uai: school.uai, timeZone, previous };
}
