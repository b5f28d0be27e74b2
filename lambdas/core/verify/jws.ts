/**
 * Compact JWS (RFC 7515 §7.1) for the verifier: one decoding pass, and ES256 (RFC 7518 §3.4)
 * checked by Node's native ECDSA (OpenSSL) with a cached public KeyObject.
 *
 * Why not a JOSE library here: verification is the hot path (employers and administrations verify
 * far more than schools issue), and the signature check is most of its cost. `jose` goes through
 * WebCrypto (an extra key import and promise hops per call); `did-jwt`'s curve code is pure
 * JavaScript, about 50 times slower than OpenSSL. Issuing still uses `did-jwt-vc`, which shapes
 * VC 1.1 JWTs well; only the signature check is native.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { isObject } from '../json';

/** Three base64url segments (RFC 7515 §7.1); Buffer's base64url decoding would skip anything else silently. */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers (§5.2). */
  signingInput: string;
  signature: Buffer;
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits and decodes a compact JWS whose three parts are base64url (the caller checks the
 * alphabet). Throws a TypeError when the header or payload is not a JSON object.
 */
export function decodeCompactJws(jws: string): DecodedJws {
  const first = jws.indexOf('.');
  const last = jws.lastIndexOf('.');
  if (first <= 0 || last === first || jws.indexOf('.', first + 1) !== last) throw new TypeError('not a compact JWS');
  const header = jsonObject(jws.slice(0, first));
  const payload = jsonObject(jws.slice(first + 1, last));
  if (!header || !payload) throw new TypeError('the JWS header or payload is not a base64url JSON object');
  const encoded = jws.slice(last + 1);
  const signature = Buffer.from(encoded, 'base64url');
  // Base64url leaves unused bits in its last character: a signature must be in its canonical
  // encoding, or one signature would verify under several strings. (ECDSA itself allows a second
  // signature, s and n - s, as every ES256 verifier accepts: a blocklist keys on the credential id,
  // never on the JWS string.) An empty signature then fails verification as any wrong one does.
  return { header, payload, signingInput: jws.slice(0, last), signature: signature.toString('base64url') === encoded ? signature : Buffer.alloc(0) };
}

/**
 * True when `signature` is a valid ES256 signature of `signingInput` under `key`.
 * The JWS form of an ES256 signature is exactly 64 bytes, r‖s (RFC 7518 §3.4): a DER
 * signature, or any other length, is refused rather than reinterpreted.
 */
export function verifyEs256(signingInput: string, signature: Uint8Array, key: KeyObject): boolean {
  if (signature.length !== 64) return false;
  try {
    return nodeVerify('sha256', Buffer.from(signingInput, 'latin1'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * A JWT NumericDate (RFC 7519 §2) as milliseconds; undefined when absent, null when it is not a
 * number a Date can hold (±8.64e15 ms): `nbf: 1e308` is refused, not turned into an Invalid Date.
 */
export function numericDateMs(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Math.abs(value * 1000) <= 8.64e15 ? value * 1000 : null;
}

/** A public P-256 key from the members of a JWK; throws when the point is not on the curve. */
export function p256PublicKey(x: string, y: string): KeyObject {
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
}
