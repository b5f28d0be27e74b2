/**
 * Choosing a credential's status slot. The index is drawn at random over the whole list, so
 * nobody can tell issuance order from it (herd privacy, Bitstring Status List §6.1), and no
 * counter item funnels a school's issuance through one hot DynamoDB item.
 * "Free" is only a hint here: the slot is claimed by the conditional write that records the
 * credential, so two issuers can never both get it.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import type { SchoolRecord, StatusSlot } from '../records';
import { publishAudited } from './publish';

/**
 * Probes before moving to a fresh list. At fill ratio p an issuance rolls over with probability
 * p^k, so a list of N entries is left at a fill of about ((k + 1) / N)^(1 / (k + 1)): with 24
 * probes, 71 % of 131,072 (3 probes left lists at 7 %, a herd of about 9,000 credentials instead
 * of the list's size). An issuance makes 1 / (1 - p) reads on average: 3.4 at the very end.
 */
export const PROBES_BEFORE_ROLLOVER = 24;
const MAX_PROBES = PROBES_BEFORE_ROLLOVER + 8;

/**
 * Lists known to be published, per process: checked once, then free. Concurrent first issuances
 * (a batch on a cold instance) share the one check instead of each reading, and publishing.
 */
const published = new Map<string, Promise<void>>();

/** Publishes the school's list if nothing was published for it yet (e.g. a registration died midway). */
function ensurePublished(deps: CoreDeps, school: SchoolRecord, list: number): Promise<void> {
  const key = `${school.uai}#${list}`;
  let done = published.get(key);
  if (!done) {
    // Nothing to do when every form of the list (two Bitstring, one Token) is published and current.
    // A list never published is created here: a registration or a rollover that died before publishing it.
    done = publishAudited(deps, school, list, 'attesto');
    published.set(key, done);
    // A failure is not remembered: the next issuance checks again.
    done.catch(() => published.delete(key));
  }
  return done;
}

export async function allocateSlot(deps: CoreDeps, school: SchoolRecord): Promise<StatusSlot> {
  await ensurePublished(deps, school, school.currentList);
  let list = school.currentList;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    if (probe === PROBES_BEFORE_ROLLOVER) list = await rollover(deps, school, list);
    const slot = { list, index: deps.randomInt(deps.listSize) };
    if (await deps.store.isSlotFree(school.uai, slot)) return slot;
  }
  throw new AttestoError('STATUS_LIST_EXHAUSTED', 'no free status slot found; retry', { retryAfter: 1 });
}

/**
 * Moves the school to its next list and publishes that list before anything points at it; audited
 * as created by `actor` (attesto itself when a list fills).
 */
export async function rollover(deps: CoreDeps, school: SchoolRecord, from: number, actor = 'attesto'): Promise<number> {
  const list = await deps.store.advanceList(school.uai, from);
  await publishAudited(deps, school, list, actor);
  return list;
}
