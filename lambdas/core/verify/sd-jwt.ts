/**
 * Reading an untrusted SD-JWT (RFC 9901): its issuer-signed JWT, its disclosures and an optional
 * Key Binding JWT, processed as §7.1 says, refusing everything it says to refuse.
 *
 * Written here rather than taken from sd-jwt-js (which attesto uses to issue, and the tests use
 * to check what attesto issues): its decoder lets a disclosure overwrite a claim the issuer made
 * visible, and ignores disclosures no digest references; both must fail verification (§7.1 step
 * 3.2.2.2.3, step 5). This file only shapes and checks digests: signatures are checked by the caller.
 */
import { createHash } from 'node:crypto';
import { isObject } from '../json';
import { COMPACT_JWS, decodeCompactJws, type DecodedJws } from './jws';
import { MAX_JWS_LENGTH } from './parse';
import { VerifyFailure } from './result';

const MAX_DISCLOSURES = 256;
const MAX_DEPTH = 32;

export interface ParsedSdJwt {
  issuerJwt: DecodedJws;
  /** The claims after processing: disclosed claims in place, digests and `_sd_alg` removed. */
  claims: Record<string, unknown>;
  /** The Key Binding JWT, when the holder added one. */
  kb?: DecodedJws;
  /** What a KB-JWT's `sd_hash` covers: the SD-JWT up to and including the last `~` (§4.3.1). */
  presentedSdJwt: string;
  disclosures: number;
}

const malformed = (message: string) => new VerifyFailure('MALFORMED_CREDENTIAL', 'format', message);

/** An SD-JWT's compact form: something before a first `~` (a JWT has none). */
export const looksLikeSdJwt = (input: unknown): input is string => typeof input === 'string' && input.includes('~');

/** Base64url SHA-256 over the ASCII of the encoded disclosure (§4.2.3). */
const disclosureDigest = (encoded: string) => createHash('sha256').update(encoded, 'ascii').digest('base64url');

function decodeJws(part: string, what: string): DecodedJws {
  if (!COMPACT_JWS.test(part)) throw malformed(`the ${what} is not a compact JWS`);
  try {
    return decodeCompactJws(part);
  } catch {
    throw malformed(`the ${what}'s header or payload is not base64url JSON`);
  }
}

interface Disclosure {
  name?: string;
  value: unknown;
}

function readDisclosure(encoded: string): Disclosure {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw malformed('a disclosure is not base64url');
  let array: unknown;
  try {
    array = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw malformed('a disclosure is not base64url JSON');
  }
  if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3) || typeof array[0] !== 'string') throw malformed('a disclosure is not [salt, (name,) value]');
  if (array.length === 2) return { value: array[1] };
  const name = array[1];
  if (typeof name !== 'string') throw malformed('a disclosure names its claim with something other than a string');
  if (name === '_sd' || name === '...') throw malformed(`a disclosure may not name the claim "${name}"`);
  return { name, value: array[2] };
}

/** A property set as data, even when named `__proto__` (a claim name is attacker-chosen). */
function define(target: Record<string, unknown>, name: string, value: unknown) {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/** §7.1 step 3: digests replaced by what they disclose, recursively; every rule enforced. */
function processDigests(payload: Record<string, unknown>, byDigest: Map<string, Disclosure>): { claims: Record<string, unknown>; used: Set<string> } {
  const seen = new Set<string>();
  const used = new Set<string>();
  const digestOnce = (digest: unknown) => {
    if (typeof digest !== 'string') throw malformed('a digest is not a string');
    if (seen.has(digest)) throw malformed('a digest appears more than once');
    seen.add(digest);
    const disclosure = byDigest.get(digest);
    if (disclosure) used.add(digest);
    return disclosure;
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw malformed('the claims are nested too deeply');
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) {
        if (isObject(item) && Object.hasOwn(item, '...')) {
          if (Object.keys(item).length !== 1) throw malformed('an array element digest has other members than "..."');
          const disclosure = digestOnce(item['...']);
          if (!disclosure) continue; // a decoy, or an element the holder did not disclose
          if (disclosure.name !== undefined) throw malformed('an array element is disclosed by a name/value disclosure');
          out.push(walk(disclosure.value, depth + 1));
        } else {
          out.push(walk(item, depth + 1));
        }
      }
      return out;
    }
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value)) if (name !== '_sd') define(out, name, walk(v, depth + 1));
    if (Object.hasOwn(value, '_sd')) {
      if (!Array.isArray(value._sd)) throw malformed('_sd is not an array');
      for (const digest of value._sd) {
        const disclosure = digestOnce(digest);
        if (!disclosure) continue;
        if (disclosure.name === undefined) throw malformed('an object property is disclosed by an array element disclosure');
        if (Object.hasOwn(out, disclosure.name)) throw malformed(`the disclosed claim "${disclosure.name}" already exists`);
        define(out, disclosure.name, walk(disclosure.value, depth + 1));
      }
    }
    return out;
  };
  const { _sd_alg: _alg, ...rest } = payload;
  return { claims: walk(rest, 0) as Record<string, unknown>, used };
}

/** Splits, decodes and processes an SD-JWT or SD-JWT+KB. Throws MALFORMED_CREDENTIAL. */
export function parseSdJwt(input: string): ParsedSdJwt {
  // As long as a JWS may be (./parse.ts): the largest attesto issues is about 100 KB.
  if (input.length > MAX_JWS_LENGTH) throw malformed(`the SD-JWT is longer than ${MAX_JWS_LENGTH} characters`);
  const parts = input.split('~');
  if (parts.length < 2) throw malformed('not an SD-JWT');
  if (parts.length - 2 > MAX_DISCLOSURES) throw malformed('too many disclosures');
  const last = parts[parts.length - 1]!;
  const encodedDisclosures = parts.slice(1, -1);
  const issuerJwt = decodeJws(parts[0]!, 'issuer-signed JWT');
  const alg = issuerJwt.payload._sd_alg;
  if (alg !== undefined && alg !== 'sha-256') throw malformed('only sha-256 disclosure digests are supported');
  const byDigest = new Map<string, Disclosure>();
  for (const encoded of encodedDisclosures) {
    const digest = disclosureDigest(encoded);
    if (byDigest.has(digest)) throw malformed('a disclosure is given twice');
    byDigest.set(digest, readDisclosure(encoded));
  }
  const { claims, used } = processDigests(issuerJwt.payload, byDigest);
  // §7.1 step 5: a disclosure no digest points at is refused, not ignored.
  if (used.size !== byDigest.size) throw malformed('a disclosure is not referenced by any digest');
  return {
    issuerJwt,
    claims,
    ...(last === '' ? {} : { kb: decodeJws(last, 'key binding JWT') }),
    presentedSdJwt: input.slice(0, input.length - last.length),
    disclosures: byDigest.size,
  };
}
