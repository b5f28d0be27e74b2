/**
 * The wallet's proof of possession (OpenID4VCI 1.0 Appendix F.1, JWT proof type): a JWT of type
 * `openid4vci-proof+jwt`, signed by the key it names (`kid` as did:jwk / did:key, or `jwk`),
 * for this credential issuer (`aud`), recently (`iat`), over a nonce we handed out (`nonce`).
 */
import { calculateJwkThumbprint, compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { OAuthError } from './errors';
import { p256JwkOfDidKey, publicJwkOfDidJwk } from '../key-dids';
import { COMPACT_JWS } from '../verify/jws';
import { typIs } from '../verify/typ';
import { isPublicP256 } from '../verify/keys';

/** How far a proof's `iat` may be from now, seconds. */
export const PROOF_MAX_AGE_SECONDS = 300;

export interface VerifiedProof {
  /** The holder's DID: the credential is bound to it (`credentialSubject.id`). */
  holder: string;
  /** The RFC 7638 thumbprint of the holder's key: the same key however the proof names it (kid or jwk). */
  keyThumbprint: string;
  nonce: string;
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function p256(jwk: unknown): JWK {
  // Coordinates in base64url only: the credential is bound to the did:jwk made of them.
  if (!isPublicP256(jwk)) {
    throw new OAuthError('invalid_proof', 'the proof key must be a public P-256 key (ES256)');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** The key a DID that is its key stands for, as a public P-256 JWK; invalid_proof otherwise. */
function jwkOfKeyDid(read: (did: string) => JWK, did: string): JWK {
  let jwk: JWK;
  try {
    jwk = read(did);
  } catch (e) {
    throw new OAuthError('invalid_proof', e instanceof Error ? e.message : 'invalid DID');
  }
  return p256(jwk);
}

function keyOf(header: Record<string, unknown>): { holder: string; jwk: JWK } {
  const { kid, jwk } = header;
  if ((kid === undefined) === (jwk === undefined)) throw new OAuthError('invalid_proof', 'the proof must name its key by exactly one of kid or jwk');
  if (jwk !== undefined) {
    const key = p256(jwk);
    return { holder: `did:jwk:${b64json(key)}`, jwk: key };
  }
  if (typeof kid !== 'string' || kid.length > 1024) throw new OAuthError('invalid_proof', 'kid must be a DID URL');
  const did = kid.split('#')[0]!;
  if (did.startsWith('did:jwk:')) return { holder: did, jwk: jwkOfKeyDid(publicJwkOfDidJwk, did) };
  if (did.startsWith('did:key:')) return { holder: did, jwk: jwkOfKeyDid(p256JwkOfDidKey, did) };
  throw new OAuthError('invalid_proof', 'kid must be a did:jwk or did:key DID URL');
}

export async function verifyProof(jwt: unknown, expect: { audience: string; now: Date }): Promise<VerifiedProof> {
  if (typeof jwt !== 'string' || jwt.length > 8192 || !COMPACT_JWS.test(jwt)) {
    throw new OAuthError('invalid_proof', 'the proof is not a compact JWT');
  }
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    claims = decodeJwt(jwt) as Record<string, unknown>;
  } catch {
    throw new OAuthError('invalid_proof', 'the proof is not a readable JWT');
  }
  if (!typIs(header.typ, 'openid4vci-proof+jwt')) throw new OAuthError('invalid_proof', 'the proof typ must be openid4vci-proof+jwt');
  if (header.alg !== 'ES256') throw new OAuthError('invalid_proof', 'the proof must be signed with ES256');
  // No header extensions: with `b64: false` (RFC 7797) the signed payload is not the one read below.
  if (header.crit !== undefined || header.b64 !== undefined) throw new OAuthError('invalid_proof', 'the proof must not use critical header extensions (crit, b64)');
  const { holder, jwk } = keyOf(header);
  try {
    await compactVerify(jwt, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
  } catch {
    throw new OAuthError('invalid_proof', 'the proof is not signed by the key it names');
  }
  const aud = claims.aud;
  if (!(aud === expect.audience || (Array.isArray(aud) && aud.includes(expect.audience)))) {
    throw new OAuthError('invalid_proof', `the proof audience must be ${expect.audience}`);
  }
  const iat = claims.iat;
  if (typeof iat !== 'number' || Math.abs(expect.now.getTime() / 1000 - iat) > PROOF_MAX_AGE_SECONDS) {
    throw new OAuthError('invalid_proof', 'the proof is not fresh (iat)');
  }
  if (typeof claims.nonce !== 'string' || claims.nonce.length === 0 || claims.nonce.length > 200) {
    // A proof without a c_nonce is an invalid proof; invalid_nonce is for a nonce we did not give or that was spent (OpenID4VCI 1.0 §8.3.1.2).
    throw new OAuthError('invalid_proof', 'the proof must carry a c_nonce from the nonce endpoint');
  }
  return { holder, keyThumbprint: await calculateJwkThumbprint(jwk, 'sha256'), nonce: claims.nonce };
}
