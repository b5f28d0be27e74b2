/**
 * Publishing a school's status lists. Only code that changes status publishes (it holds the
 * signing right); readers serve what was published and never sign.
 *
 * Ordering: a status change writes its flag, then bumps the list's sequence number. A publisher
 * reads the sequence number first, then the flags, so what it reads includes every change up to
 * that number; the store keeps a publication only if no newer sequence number was published.
 * Concurrent revocations therefore can never leave a published list missing a bit.
 */
import { signerOf, type CoreDeps } from '../deps';
import type { PublishedListKind, SchoolRecord, StatusFlags, StatusPurpose } from '../records';
import { PUBLISHED_LISTS } from '../records';
import { signingKey } from '../signing-key';
import { VC_V2_CONTEXT } from '../credential/contexts';
import { isoSeconds } from '../credential/build';
import { signJwt, signVcJose } from '../credential/jws';
import { schoolIssuer } from '../did-web';
import { encodeList, MAX_LIST_LENGTH, newBitstring, setBit } from './bitstring';
import { statusListUrl } from './slot';
import { encodeTokenStatusList, newTokenStatusList, setTokenStatus, TOKEN_STATUS, TOKEN_STATUS_BITS } from './token-status-list';

import { STATUS_LIST_TTL_MS } from './ttl';

export function statusListCredential(publicUrl: string, school: Pick<SchoolRecord, 'uai' | 'did'>, list: number, purpose: StatusPurpose, encodedList: string, now: Date) {
  const url = statusListUrl(publicUrl, school.uai, purpose, list);
  return {
    '@context': [VC_V2_CONTEXT],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: school.did,
    validFrom: isoSeconds(now),
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList, ttl: STATUS_LIST_TTL_MS },
  };
}

/**
 * The Status List Token of list N (draft-ietf-oauth-status-list §5.1): `sub` is its own URL, as
 * the credentials' `status.status_list.uri` names it. No `exp`: a list is signed again only when a
 * status in it changes, and an expired list would fail every credential it holds.
 */
function statusListToken(publicUrl: string, school: Pick<SchoolRecord, 'uai'>, list: number, lst: string, now: Date) {
  return {
    sub: statusListUrl(publicUrl, school.uai, 'token', list),
    iss: schoolIssuer(publicUrl, school.uai),
    iat: Math.floor(now.getTime() / 1000),
    ttl: STATUS_LIST_TTL_MS / 1000,
    status_list: { bits: TOKEN_STATUS_BITS, lst },
  };
}

/** One slot's status in the Token Status List: a revocation is final, whatever else is set. */
const tokenStatus = (f: StatusFlags) => (f.revokedAt !== undefined ? TOKEN_STATUS.INVALID : f.suspended ? TOKEN_STATUS.SUSPENDED : TOKEN_STATUS.VALID);

type ListKey = Parameters<typeof signVcJose>[1];

/**
 * The list's length: the configured size, or, when the list holds a higher index (it was made
 * while ATTESTO_STATUS_LIST_SIZE was larger), the next multiple of it that holds them all.
 * Rounded so, the length tells nothing of which indexes are used.
 */
export function listLength(configured: number, flags: readonly StatusFlags[]): number {
  const highest = flags.reduce((max, f) => Math.max(max, f.index), -1);
  // Never past what verifiers read (indexes are below it: no configured size exceeds it).
  return Math.min(MAX_LIST_LENGTH, Math.max(1, Math.ceil((highest + 1) / configured)) * configured);
}

async function signedList(deps: CoreDeps, school: SchoolRecord, list: number, kind: PublishedListKind, flags: StatusFlags[], now: Date, key: ListKey): Promise<string> {
  const length = listLength(deps.listSize, flags);
  if (kind === 'token') {
    const statuses = newTokenStatusList(length);
    for (const f of flags) setTokenStatus(statuses, f.index, tokenStatus(f));
    return signJwt(statusListToken(deps.publicUrl, school, list, encodeTokenStatusList(statuses), now), key, 'statuslist+jwt');
  }
  const purpose: StatusPurpose = kind;
  const bits = newBitstring(length);
  for (const f of flags) if (purpose === 'revocation' ? f.revokedAt !== undefined : f.suspended) setBit(bits, f.index);
  return signVcJose(statusListCredential(deps.publicUrl, school, list, purpose, encodeList(bits), now), key);
}

/**
 * Signs and publishes every form of a list, unless a publication as recent is there already.
 * True when this call published the list for the first time: its revocation form (written last)
 * was not there, and this call's conditional write put it (of two first publishers racing with
 * the same sequence number, one).
 */
export async function publishStatusLists(deps: CoreDeps, school: SchoolRecord, list: number, rounds = 3): Promise<boolean> {
  const seq = await deps.store.getStatusSeq(school.uai, list);
  // Already published from this sequence number or a newer one: that publication holds every
  // change up to it, ours included. Under a burst of revocations most publishers stop here.
  const existing = await Promise.all(PUBLISHED_LISTS.map((p) => deps.store.getPublishedList(school.uai, list, p)));
  if (existing.every((e) => e !== undefined && e.seq >= seq)) return false;
  const isNew = existing[PUBLISHED_LISTS.indexOf('revocation')] === undefined;
  const flags = await deps.store.listFlags(school.uai, list);
  const now = deps.clock();
  // Every form is signed before any is written: a signer that fails (KMS throttled) for one of
  // them leaves all three as they were, never the W3C lists updated and the Token Status List not.
  // The caller's retry (the status change answered 503) publishes them together.
  const key = { signer: signerOf(deps, school.uai), did: school.did, ...signingKey(school, now) };
  const signed = await Promise.all(PUBLISHED_LISTS.map(async (purpose) => ({ purpose, jwt: await signedList(deps, school, list, purpose, flags, now, key) })));
  // The revocation list last: a list whose revocation form is published is published whole, which
  // is how a new list is told from one whose first publication failed midway (./allocate.ts).
  const put = ({ purpose, jwt }: (typeof signed)[number]) => deps.store.putPublishedList({ uai: school.uai, list, purpose, jwt, seq, publishedAt: isoSeconds(now) });
  await Promise.all(signed.filter((s) => s.purpose !== 'revocation').map(put));
  const [wroteRevocation] = await Promise.all(signed.filter((s) => s.purpose === 'revocation').map(put));
  const created = isNew && wroteRevocation === true;
  // The school record was read when the request began. A key rotation that finished since (a
  // compromise re-signs every list with the new key at once) must not see the withdrawn key put
  // back by this later publication. A rotation saves the new key before re-signing, so the record
  // read now tells: if the key to sign with has changed, publish once more, with it.
  const current = await deps.store.getSchool(school.uai);
  // (A few rounds at most: keys do not keep rotating; the rotation re-signs every list itself.)
  if (current && signingKey(current, deps.clock()).kid !== key.kid && rounds > 1) {
    await deps.store.bumpStatusSeq(school.uai, list);
    await publishStatusLists(deps, current, list, rounds - 1);
  }
  return created;
}

/**
 * Publishes a list as publishStatusLists does, and audits it as created by `actor` when this call
 * published it for the first time: a list is recorded once, by whichever request finishes its
 * first publication (the rollover or operator that moved the school to it, or, when that one
 * failed midway, the next issuance or re-signing).
 */
export async function publishAudited(deps: CoreDeps, school: SchoolRecord, list: number, actor: string): Promise<void> {
  if (await publishStatusLists(deps, school, list)) await deps.store.appendAudit({ uai: school.uai, at: isoSeconds(deps.clock()), action: 'status-list.created', actor, detail: { list } });
}
