/**
 * The status check (Bitstring Status List v1.0 §3.2 "Validate Algorithm"): fetch each list the
 * credential names, check the list is signed by the same issuer, decode it, read the bit.
 * Anything unexpected fails closed: an unreachable, unsigned or malformed list never passes.
 */
import { decodeList, getBit, MAX_LIST_LENGTH, MIN_LIST_LENGTH } from '../status/bitstring';
import { LRUCache } from 'lru-cache';
import { COMPACT_JWS, decodeCompactJws, verifyEs256 } from './jws';
import { typIs } from './typ';
import type { IssuerKeys } from './keys';
import type { ParsedCredential } from './parse';
import type { VerifyDeps } from './ports';
import { VerifyFailure } from './result';
import { isObject, shown } from '../json';

/** Largest list accepted: the largest attesto makes. */
const MAX_LIST_BYTES = MAX_LIST_LENGTH / 8;
const KNOWN_PURPOSES = ['revocation', 'suspension'];

interface DecodedList {
  issuer: string;
  /** The list's own URL, as it says (`id`): a list is good only at the address it was signed for. */
  id: unknown;
  /** statusPurpose "MUST be one or more strings" (§2.2): a list may serve several purposes. */
  purposes: string[];
  bits: Uint8Array;
  /** The JWS header, whose key is checked again at each use: it may have been withdrawn since. */
  header: Record<string, unknown>;
}
/** Decoded lists by their exact JWS: a changed list is a new JWS, so this never serves stale bits. */
/* Bounded by bytes, the JWS keys included: at the largest list size a school may configure (2^23 entries), 256 lists would be 256 MiB. */
const decoded = new LRUCache<string, DecodedList>({ max: 256, maxSize: 64 * 1024 * 1024, sizeCalculation: (l, jws) => l.bits.byteLength + jws.length + 1 });

export async function checkStatus(deps: VerifyDeps, parsed: ParsedCredential, issuer: IssuerKeys) {
  const raw = parsed.credential.credentialStatus;
  const entries = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const warnings: { code: string; message: string }[] = [];
  if (entries.length === 0) {
    // Every attesto credential has status entries; a credential without any cannot be checked.
    throw new VerifyFailure('STATUS_MISSING', 'status', 'the credential has no credentialStatus to check');
  }
  if (entries.length > 4) throw new VerifyFailure('STATUS_LIST_INVALID', 'status', 'too many status entries');
  // A credential passes the status check only if its revocation status was actually read: entries
  // of other purposes alone (e.g. only "message") would leave revocation unchecked.
  if (!entries.some((e) => isObject(e) && e.statusPurpose === 'revocation')) {
    throw new VerifyFailure('STATUS_MISSING', 'status', 'the credential has no revocation status entry to check');
  }
  // Every list is fetched at once (a credential names two: revocation and suspension), then the
  // entries are checked in order, so the first failing entry is the one reported, as before.
  type Check = { malformed: string } | { ignored: string } | { purpose: string; index: number; list: Promise<{ value: DecodedList } | { error: unknown }> };
  const checks = entries.map((entry): Check => {
    if (!isObject(entry) || entry.type !== 'BitstringStatusListEntry') return { malformed: 'only BitstringStatusListEntry status entries are supported' };
    const { statusPurpose: purpose, statusListIndex, statusListCredential: url } = entry;
    if (typeof purpose !== 'string' || typeof url !== 'string' || typeof statusListIndex !== 'string' || !/^(0|[1-9][0-9]{0,8})$/.test(statusListIndex)) {
      return { malformed: 'malformed BitstringStatusListEntry' };
    }
    // A status of more than one bit would be misread as one; the specification lets a verifier refuse those (§3.2).
    if (entry.statusSize !== undefined && entry.statusSize !== 1) return { malformed: 'only statusSize 1 is supported' };
    if (!KNOWN_PURPOSES.includes(purpose)) return { ignored: purpose };
    const list = loadList(deps, url, issuer).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    return { purpose, index: Number(statusListIndex), list };
  });
  for (const c of checks) {
    if ('malformed' in c) throw new VerifyFailure('STATUS_LIST_INVALID', 'status', c.malformed);
    if ('ignored' in c) {
      warnings.push({ code: 'STATUS_PURPOSE_IGNORED', message: `status purpose "${c.ignored}" is not checked` });
      continue;
    }
    const loaded = await c.list;
    if ('error' in loaded) throw loaded.error;
    const { purpose, index } = c;
    const list = loaded.value;
    if (list.issuer !== parsed.issuer) throw new VerifyFailure('STATUS_LIST_INVALID', 'status', 'the status list was not issued by the credential\'s issuer');
    if (!list.purposes.includes(purpose)) throw new VerifyFailure('STATUS_LIST_INVALID', 'status', `the status list is for ${list.purposes.map((p) => `"${shown(p)}"`).join(', ')}, not "${purpose}"`);
    if (index >= list.bits.length * 8) throw new VerifyFailure('STATUS_LIST_INVALID', 'status', 'statusListIndex is outside the list');
    if (getBit(list.bits, index)) {
      throw new VerifyFailure(purpose === 'revocation' ? 'REVOKED' : 'SUSPENDED', 'status', `the credential is ${purpose === 'revocation' ? 'revoked' : 'suspended'}`);
    }
  }
  return warnings;
}

async function loadList(deps: VerifyDeps, url: string, issuerKeys: IssuerKeys): Promise<DecodedList> {
  let jws: string;
  try {
    jws = (await deps.fetchStatusList(url)).trim();
  } catch (e) {
    throw new VerifyFailure('STATUS_UNAVAILABLE', 'status', `cannot fetch status list ${url}: ${e instanceof Error ? e.message : 'unknown error'}`);
  }
  try {
    const cached = decoded.get(jws);
    if (cached) {
      await issuerKeys.keyFor(cached.header);
      return atItsUrl(cached, url);
    }
    if (!COMPACT_JWS.test(jws)) throw new Error('not a compact JWS');
    const { header, payload: claims, signingInput, signature } = decodeCompactJws(jws);
    const issuer = typeof claims.issuer === 'string' ? claims.issuer : isObject(claims.issuer) ? claims.issuer.id : claims.iss;
    if (issuer !== issuerKeys.did) throw new Error('issued by another DID');
    if (header.alg !== 'ES256' || header.crit !== undefined) throw new Error('only plain ES256 lists are accepted');
    if (!typIs(header.typ, 'vc+jwt')) throw new Error('not a vc+jwt');
    if (!verifyEs256(signingInput, signature, await issuerKeys.keyFor(header))) throw new Error('the signature does not verify');
    const subject = claims.credentialSubject;
    const types = claims.type;
    if (!Array.isArray(types) || !types.includes('BitstringStatusListCredential') || !isObject(subject) || subject.type !== 'BitstringStatusList') {
      throw new Error('not a BitstringStatusListCredential');
    }
    const purposes = typeof subject.statusPurpose === 'string' ? [subject.statusPurpose] : subject.statusPurpose;
    if (!Array.isArray(purposes) || purposes.length === 0 || !purposes.every((p) => typeof p === 'string') || typeof subject.encodedList !== 'string') throw new Error('malformed list');
    const bits = decodeList(subject.encodedList, MAX_LIST_BYTES);
    // §3.2 step 10: a list shorter than the minimum is an error (STATUS_LIST_LENGTH_ERROR), however it decodes.
    if (bits.length * 8 < MIN_LIST_LENGTH) throw new Error(`shorter than the ${MIN_LIST_LENGTH} entries the specification requires`);
    const list = { issuer, id: subject.id === `${claims.id}#list` ? claims.id : undefined, purposes: purposes as string[], bits, header };
    decoded.set(jws, list);
    return atItsUrl(list, url);
  } catch (e) {
    if (e instanceof VerifyFailure && e.code !== 'KEY_NOT_AUTHORIZED') throw e;
    throw new VerifyFailure('STATUS_LIST_INVALID', 'status', `status list ${url} is not a valid signed list: ${e instanceof Error ? e.message : 'invalid'}`);
  }
}

/**
 * The list, if it is the one at `url`: a genuine list of the same school's list 2 put in place of
 * its list 1 (by someone who can write the table, not sign) would otherwise un-revoke list 1's
 * credentials. Its `id` is its URL, and its subject `<id>#list`, as attesto signs them.
 */
function atItsUrl(list: DecodedList, url: string): DecodedList {
  if (list.id !== url) throw new Error(`it is not the list at this address (its id is ${shown(list.id)})`);
  return list;
}
