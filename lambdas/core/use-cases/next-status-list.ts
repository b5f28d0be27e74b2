/**
 * Moving a school to a fresh status list now, rather than when its list fills. After the table is
 * restored to an earlier point, the slots of credentials issued since then look free, and a new
 * credential could be given a slot a credential in a wallet already holds (revoking one would
 * revoke both): a fresh list holds none of them. The new list is published before anything
 * points at it, and audited (`status-list.created`, by the operator).
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import { rollover } from '../status/allocate';
import { invalidUai, isValidUai } from '../uai';

export async function startNextStatusList(deps: CoreDeps, cmd: { uai: string; actor: string }) {
  if (!isValidUai(cmd.uai)) throw invalidUai(cmd.uai);
  const school = await deps.store.getSchool(cmd.uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${cmd.uai} is not registered`);
  const list = await rollover(deps, school, school.currentList, cmd.actor);
  return { uai: school.uai, previousList: school.currentList, currentList: list };
}
