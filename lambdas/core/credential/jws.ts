/**
 * Securing credentials with the signer port. The private key never leaves the signer (KMS in
 * production), so neither `did-jwt` nor `jose` ever sees it: both take a detached signer.
 */
import { createJWS } from 'did-jwt';
import { createVerifiableCredentialJwt, type JwtCredentialPayload } from 'did-jwt-vc';
import type { Signer } from '../ports';
import { isObject } from '../json';

export const ALG = 'ES256';

export interface SigningKey {
  signer: Signer;
  keyRef: string;
  did: string;
  kid: string;
}

/** A credential's date as a JWT NumericDate (RFC 7519 §2): whole seconds. */
const numericDate = (date: unknown) => Math.floor(Date.parse(String(date)) / 1000);

/** did-jwt's signer shape: signing input in, base64url signature (r‖s for ES256) out. */
export function didJwtSigner(key: Pick<SigningKey, 'signer' | 'keyRef'>) {
  return async (data: string | Uint8Array): Promise<string> => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return Buffer.from(await key.signer.sign(key.keyRef, bytes)).toString('base64url');
  };
}

/**
 * VC Data Model 1.1 as a JWT (VC-DATA-MODEL 1.1 §6.3.1), signed through did-jwt-vc. The claims
 * set is shaped here: `iss`, `jti`, `nbf`, `exp` and `sub` stand for the issuer, id, dates and
 * subject id, and everything else of the credential goes in `vc`. (Given the credential itself,
 * did-jwt-vc leaves properties it does not know, such as the issuer's name or OB 3.0's `name`
 * and `awardedDate`, beside `vc` as top-level claims, where a decoder following the spec drops them.)
 */
export async function signVcJwt(credential: Record<string, unknown>, key: SigningKey): Promise<string> {
  const { id, issuer, issuanceDate, expirationDate, credentialSubject, ...rest } = credential;
  const subject = isObject(credentialSubject) ? credentialSubject : {};
  const { id: sub, ...subjectClaims } = subject;
  const payload: JwtCredentialPayload = {
    vc: {
      ...rest,
      ...(isObject(issuer) ? { issuer: { ...issuer, id: key.did } } : {}),
      credentialSubject: subjectClaims,
    } as JwtCredentialPayload['vc'],
    ...(typeof id === 'string' ? { jti: id } : {}),
    nbf: numericDate(issuanceDate),
    ...(expirationDate !== undefined ? { exp: numericDate(expirationDate) } : {}),
    ...(typeof sub === 'string' ? { sub } : {}),
  };
  return createVerifiableCredentialJwt(payload, { did: key.did, signer: didJwtSigner(key), alg: ALG }, { header: { kid: key.kid } });
}

/**
 * VC Data Model 2.0 secured with JOSE: the credential itself is the JWT claims set, with
 * `typ: vc+jwt` and `cty: vc` (https://www.w3.org/TR/vc-jose-cose/#securing-with-jose).
 * did-jwt-vc only speaks 1.1, so this goes through did-jwt's JWS primitive and the same signer.
 */
export async function signVcJose(credential: Record<string, unknown>, key: SigningKey): Promise<string> {
  // did-jwt types `typ` as 'JWT' only; a JWS header may carry any media type.
  return createJWS({ ...credential, ...openBadgesClaims(credential) }, didJwtSigner(key), { alg: ALG, typ: 'vc+jwt', cty: 'vc', kid: key.kid } as never);
}

/**
 * Open Badges 3.0 secures an AchievementCredential as a JWT whose payload is the credential with
 * the registered claims `iss`, `jti`, `nbf`, `sub` and `exp` beside it, and its verifiers require
 * them to match the issuer, id, validity and subject (OB 3.0 §8.2, JSON Web Token Proof Format:
 * https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof). VC-JOSE-COSE allows registered claims that
 * do not conflict with the credential (Appendix A, JOSE Header Parameters and JWT Claims), so
 * transcripts and diplomas carry them, with the credential's own values. (VC-JOSE-COSE calls
 * `nbf` "NOT RECOMMENDED": the same date as validFrom, it restricts nothing more.)
 */
function openBadgesClaims(credential: Record<string, unknown>): Record<string, unknown> {
  const types = Array.isArray(credential.type) ? credential.type : [credential.type];
  if (!types.includes('AchievementCredential')) return {};
  const { id, issuer, validFrom, validUntil, credentialSubject } = credential;
  const iss = typeof issuer === 'string' ? issuer : isObject(issuer) ? issuer.id : undefined;
  const sub = isObject(credentialSubject) ? credentialSubject.id : undefined;
  return {
    ...(typeof iss === 'string' ? { iss } : {}),
    ...(typeof id === 'string' ? { jti: id } : {}),
    ...(typeof sub === 'string' ? { sub } : {}),
    ...(typeof validFrom === 'string' ? { nbf: numericDate(validFrom) } : {}),
    ...(typeof validUntil === 'string' ? { exp: numericDate(validUntil) } : {}),
  };
}

/**
 * Any other JWS the school signs (a Token Status List, an SD-JWT VC's issuer-signed JWT): the
 * claims as given, `typ` naming what they are (the media type without "application/").
 */
export async function signJwt(claims: Record<string, unknown>, key: Pick<SigningKey, 'signer' | 'keyRef' | 'kid'>, typ: string): Promise<string> {
  return createJWS(claims, didJwtSigner(key), { alg: ALG, typ, kid: key.kid } as never);
}

/** The VC-API envelope for a vc+jwt (https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials). */
export function envelope(jws: string) {
  return {
    '@context': 'https://www.w3.org/ns/credentials/v2',
    id: `data:application/vc+jwt,${jws}`,
    type: 'EnvelopedVerifiableCredential',
  };
}
