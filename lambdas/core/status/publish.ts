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
import type { SchoolRecord, StatusPurpose } from '../records';
import { STATUS_PURPOSES } from '../records';
import { signingKey } from '../signing-key';
import { VC_V2_CONTEXT } from '../credential/contexts';
import { isoSeconds } from '../credential/build';
import { signVcJose } from '../credential/jws';
import { encodeList, newBitstring, setBit } from './bitstring';
import { statusListUrl } from './slot';

/** How long verifiers may cache a list (the spec's `ttl`, milliseconds). */
export const STATUS_LIST_TTL_MS = 300_000;

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

export async function publishStatusLists(deps: CoreDeps, school: SchoolRecord, list: number): Promise<void> {
  const seq = await deps.store.getStatusSeq(school.uai, list);
  // Already published from this sequence number or a newer one: that publication holds every
  // change up to it, ours included. Under a burst of revocations most publishers stop here.
  const existing = await Promise.all(STATUS_PURPOSES.map((p) => deps.store.getPublishedList(school.uai, list, p)));
  if (existing.every((e) => e !== undefined && e.seq >= seq)) return;
  const flags = await deps.store.listFlags(school.uai, list);
  const now = deps.clock();
  await Promise.all(
    STATUS_PURPOSES.map(async (purpose) => {
      const bits = newBitstring(deps.listSize);
      for (const f of flags) if (purpose === 'revocation' ? f.revokedAt !== undefined : f.suspended) setBit(bits, f.index);
      const vc = statusListCredential(deps.publicUrl, school, list, purpose, encodeList(bits), now);
      const jwt = await signVcJose(vc, { signer: signerOf(deps, school.uai), did: school.did, ...signingKey(school, now) });
      await deps.store.putPublishedList({ uai: school.uai, list, purpose, jwt, seq, publishedAt: isoSeconds(now) });
    }),
  );
}
