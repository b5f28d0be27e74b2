/**
 * The status check of an SD-JWT VC: its `status.status_list` names a Token Status List
 * (draft-ietf-oauth-status-list §8.3), fetched, checked to be a `statuslist+jwt` about itself
 * (`sub` = the URL), signed by the credential's issuer, then read at `idx`. Fails closed: a list
 * that cannot be fetched, read or trusted never lets a credential pass.
 */
import { LRUCache } from 'lru-cache';
import { isObject, shown } from '../json';
import { decodeTokenStatusList, getTokenStatus, TOKEN_STATUS } from '../status/token-status-list';
import { COMPACT_JWS, decodeCompactJws, verifyEs256 } from './jws';
import type { IssuerKeys } from './keys';
import type { VerifyDeps } from './ports';
import { VerifyFailure } from './result';
import { typIs } from './typ';
import { MAX_LIST_LENGTH } from '../status/bitstring';

/** The largest list attesto makes (MAX_LIST_LENGTH entries), at the largest status size, 8 bits. */
const MAX_LIST_BYTES = MAX_LIST_LENGTH;

interface DecodedTokenList {
  sub: string;
  bits: number;
  statuses: Uint8Array;
  exp?: number;
  header: Record<string, unknown>;
}

/**
 * Decoded lists by issuer and exact JWS: a changed list is a new JWS, so this never serves stale
 * statuses, and a hit means "this JWS was checked as signed by this issuer", never by another.
 */
const decoded = new LRUCache<string, DecodedTokenList>({ max: 256, maxSize: 64 * 1024 * 1024, sizeCalculation: (l, key) => l.statuses.byteLength + key.length + 1 });

const invalid = (m: string) => new VerifyFailure('STATUS_LIST_INVALID', 'status', m);

export async function checkTokenStatus(deps: VerifyDeps, status: unknown, iss: string, keys: IssuerKeys): Promise<void> {
  // Every attesto SD-JWT VC names its list: one without cannot be checked, so it does not pass.
  if (status === undefined) throw new VerifyFailure('STATUS_MISSING', 'status', 'the credential has no status to check');
  const ref = isObject(status) ? status.status_list : undefined;
  if (!isObject(ref) || typeof ref.uri !== 'string' || !Number.isSafeInteger(ref.idx) || (ref.idx as number) < 0) {
    throw invalid('status.status_list must have an idx (non-negative integer) and a uri');
  }
  const { uri } = ref;
  const idx = ref.idx as number;
  let jws: string;
  try {
    jws = (await deps.fetchStatusList(uri)).trim();
  } catch (e) {
    throw new VerifyFailure('STATUS_UNAVAILABLE', 'status', `cannot fetch status list ${uri}: ${e instanceof Error ? e.message : 'unknown error'}`);
  }
  const list = await readList(jws, uri, iss, keys);
  if (list.sub !== uri) throw invalid('the status list is about another URL (sub)');
  if (list.exp !== undefined && list.exp * 1000 < deps.clock().getTime() - deps.maxClockSkewSeconds * 1000) throw invalid('the status list has expired');
  if (idx * list.bits >= list.statuses.length * 8) throw invalid('status_list.idx is outside the list');
  const value = getTokenStatus(list.statuses, idx, list.bits);
  if (value === TOKEN_STATUS.INVALID) throw new VerifyFailure('REVOKED', 'status', 'the credential is revoked');
  if (value === TOKEN_STATUS.SUSPENDED) throw new VerifyFailure('SUSPENDED', 'status', 'the credential is suspended');
  if (value !== TOKEN_STATUS.VALID) throw invalid(`status 0x${value.toString(16).padStart(2, '0')} is not one this verifier understands`);
}

async function readList(jws: string, uri: string, iss: string, keys: IssuerKeys): Promise<DecodedTokenList> {
  const cacheKey = `${iss}\n${jws}`;
  try {
    const cached = decoded.get(cacheKey);
    if (cached) {
      // The key that signed it may have been withdrawn since.
      await keys.keyFor(cached.header);
      return cached;
    }
    if (!COMPACT_JWS.test(jws)) throw new Error('not a compact JWS');
    const { header, payload, signingInput, signature } = decodeCompactJws(jws);
    if (!typIs(header.typ, 'statuslist+jwt')) throw new Error(`typ ${shown(header.typ)} is not statuslist+jwt`);
    if (header.alg !== 'ES256' || header.crit !== undefined) throw new Error('only plain ES256 lists are accepted');
    // attesto's lists name their school; a list of another school must not vouch for this one's credentials.
    if (payload.iss !== iss) throw new Error('not issued by the credential\'s issuer (iss)');
    // The credential's issuer vouches for its statuses: the list is signed with one of its keys.
    if (!verifyEs256(signingInput, signature, await keys.keyFor(header))) throw new Error('the signature does not verify');
    const sl = payload.status_list;
    if (!isObject(sl) || ![1, 2, 4, 8].includes(sl.bits as number) || typeof sl.lst !== 'string') throw new Error('malformed status_list');
    if (typeof payload.sub !== 'string') throw new Error('no sub');
    const list: DecodedTokenList = {
      sub: payload.sub,
      bits: sl.bits as number,
      statuses: decodeTokenStatusList(sl.lst, MAX_LIST_BYTES),
      ...(typeof payload.exp === 'number' ? { exp: payload.exp } : {}),
      header,
    };
    decoded.set(cacheKey, list);
    return list;
  } catch (e) {
    if (e instanceof VerifyFailure && e.code !== 'KEY_NOT_AUTHORIZED') throw e;
    throw invalid(`status list ${uri} is not a valid Status List Token: ${e instanceof Error ? e.message : 'invalid'}`);
  }
}
