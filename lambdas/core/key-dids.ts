/**
 * DIDs that are their key: did:key for P-256 (https://w3c-ccg.github.io/did-key-spec/) and did:jwk
 * (https://github.com/quartzjer/did-jwk/blob/main/spec.md), as wallets name themselves and as
 * some issuers do. Read the same way for a credential's issuer, a presentation's holder and a
 * wallet's proof of possession. Throws on anything else.
 */
import { createPublicKey } from 'node:crypto';
import { base58 } from '@scure/base';
import type { JWK } from 'jose';
import { isObject } from './json';

/** SubjectPublicKeyInfo header of a compressed P-256 point (id-ecPublicKey, prime256v1). */
const P256_COMPRESSED_SPKI = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

/**
 * The public JWK a P-256 did:key (without fragment) stands for: multibase base58btc (`z`) of the
 * multicodec p256-pub (0x1200, varint 0x80 0x24) followed by the compressed point. The only
 * did:key attesto reads: ES256 is the one algorithm it accepts.
 */
export function p256JwkOfDidKey(did: string): JWK {
  const id = did.slice('did:key:'.length);
  if (!did.startsWith('did:key:') || !id.startsWith('z') || id.length > 100) throw new Error('did:key must be base58btc (z…)');
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(id.slice(1));
  } catch {
    throw new Error('did:key is not base58btc');
  }
  if (bytes.length !== 35 || bytes[0] !== 0x80 || bytes[1] !== 0x24) throw new Error('only P-256 did:key is supported');
  try {
    // OpenSSL decompresses the point, and refuses one that is not on the curve.
    const { kty, crv, x, y } = createPublicKey({ key: Buffer.concat([P256_COMPRESSED_SPKI, bytes.subarray(2)]), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return { kty, crv, x, y } as JWK;
  } catch {
    throw new Error('did:key does not hold a valid P-256 point');
  }
}

/** The verification method id of a did:key: the DID, then its own multibase value as fragment. */
export const didKeyMethodId = (did: string) => `${did}#${did.slice('did:key:'.length)}`;

/** The public JWK a did:jwk (without fragment) holds: base64url JSON, nothing else (Node would also read base64). */
export function publicJwkOfDidJwk(did: string): JWK {
  const value = did.slice('did:jwk:'.length);
  if (!did.startsWith('did:jwk:') || !/^[A-Za-z0-9_-]+$/.test(value)) throw new Error('did:jwk must be base64url without padding');
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new Error('did:jwk does not hold a JWK');
  }
  if (!isObject(jwk) || 'd' in jwk) throw new Error('did:jwk must hold a public JWK');
  return jwk as JWK;
}
