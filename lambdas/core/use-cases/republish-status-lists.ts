/**
 * Signing every status list of a school again, with the key it signs with now. A compromised-key
 * rotation does this; should it stop halfway (KMS throttled, the store unavailable), lists still
 * signed by a dropped key fail closed at every verifier (STATUS_LIST_INVALID) until the operator
 * runs this again (`attesto school republish-status-lists`). Safe to repeat: each list is
 * re-read from its flags under a fresh sequence number, so a publication never loses a change,
 * and read back: a list is done once what is published is signed with the current key.
 */
import type { CoreDeps } from '../deps';
import { AttestoError, isAttestoError } from '../errors';
import { isoSeconds } from '../credential/build';
import { invalidUai, isValidUai } from '../uai';
import { PUBLISHED_LISTS, type SchoolRecord } from '../records';
import { signingKey } from '../signing-key';
import { publishAudited } from '../status/publish';
import { decodeCompactJws } from '../verify/jws';

/**
 * What to run to sign a school's lists again and record its saved events: from a terminal, or on
 * AWS through the operator route (keys made by the functions sign only through it).
 */
export const republishHint = (uai: string) => `run \`attesto school republish-status-lists --uai ${uai}\` (on AWS: POST /schools/${uai}/status-list-republications)`;

export interface RepublishCommand {
  uai: string;
  actor: string;
}

/** Rounds per list: a status change publishing with the previous key at the same moment can win one. */
const ROUNDS = 3;

/** The key id a published list is signed with. */
const kidOf = (jwt: string) => decodeCompactJws(jwt).header.kid;

/**
 * Re-signs lists 1 to the school's current list; on failure, says how many were done and what to
 * run. A list the school moved on to while this ran is signed too: an issuance that rolled over
 * to it published it with the key it had read, which may be the one this replaces.
 */
export async function resignStatusLists(deps: CoreDeps, school: SchoolRecord): Promise<number> {
  let list = 1;
  let last = school.currentList;
  try {
    for (;;) {
      for (; list <= last; list++) {
        for (let round = 1; ; round++) {
          await deps.store.bumpStatusSeq(school.uai, list);
          // A list whose first publication failed (a rollover that died) is created here, and audited so.
          await publishAudited(deps, school, list, 'attesto');
          // A publication with a newer sequence number wins over ours: if a status change signed
          // with the previous key got in, sign again, after it. Compared with the key signing now
          // (a pending key may have become active during a long run).
          const { kid } = signingKey(school, deps.clock());
          const published = await Promise.all(PUBLISHED_LISTS.map((p) => deps.store.getPublishedList(school.uai, list, p)));
          if (published.every((p) => p !== undefined && kidOf(p.jwt) === kid)) break;
          // Published with another key because another rotation landed since: its lists are its to sign.
          const now = await deps.store.getSchool(school.uai);
          if (now && signingKey(now, deps.clock()).kid !== kid) {
            throw new AttestoError('ROTATION_CONFLICT', `another key rotation of ${school.uai} landed while its lists were being signed again with ${kid}`);
          }
          if (round === ROUNDS) throw new AttestoError('STORE_UNAVAILABLE', `status list ${list} keeps being published with another key`, { retryAfter: 1 });
        }
      }
      const current = (await deps.store.getSchool(school.uai))?.currentList ?? last;
      if (current <= last) break;
      last = current;
    }
  } catch (e) {
    const code = isAttestoError(e) ? e.code : 'INTERNAL';
    if (code === 'ROTATION_CONFLICT') {
      // No Retry-After: resent, a rotation would rotate once more.
      throw new AttestoError(code, `${(e as Error).message}: the newer rotation signs the lists with its key; ${republishHint(school.uai)} once it is done`, { cause: e });
    }
    throw new AttestoError(code, `${list - 1} of ${last} status lists of ${school.uai} are signed with its current key; ${republishHint(school.uai)}`, {
      cause: e,
      retryAfter: isAttestoError(e) ? (e.retryAfter ?? 1) : 1,
    });
  }
  return last;
}

export async function republishStatusLists(deps: CoreDeps, cmd: RepublishCommand) {
  if (!isValidUai(cmd.uai)) throw invalidUai(cmd.uai);
  const school = await deps.store.getSchool(cmd.uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${cmd.uai} is not registered`);
  const now = deps.clock();
  const { kid } = signingKey(school, now);
  // The registration's events and the key and token rotations', as they were saved with the school: any whose
  // own audit write failed is recorded here (audit writes are idempotent: one already written stays
  // one). Best effort, first: this is also the recovery after a compromise, which must re-sign the
  // lists even while the audit store fails (the events stay saved for the next run).
  let unrecorded = 0;
  for (const event of [...(school.registrationEvents ?? []), ...(school.rotationEvents ?? []), ...(school.tokenEvents ?? [])]) {
    await deps.store.appendAudit(event).catch(() => unrecorded++);
  }
  const lists = await resignStatusLists(deps, school);
  await deps.store.appendAudit({ uai: school.uai, at: isoSeconds(now), action: 'status-list.republished', actor: cmd.actor, detail: { lists, kid } });
  return { uai: school.uai, lists, kid, ...(unrecorded ? { warnings: [`${unrecorded} saved audit event(s) could not be written yet: run this again`] } : {}) };
}
