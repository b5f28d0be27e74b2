/**
 * Securing credentials with the signer port. The private key never leaves the signer (KMS in
 * production), so neither `did-jwt` nor `jose` ever sees it: both take a detached signer.
 */
import { createJWS } from 'did-jwt';
import { createVerifiableCredentialJwt, type JwtCredentialPayload } from 'did-jwt-vc';
import type { Signer } from '../ports';

export const ALG = 'ES256';

export interface SigningKey {
  signer: Signer;
  keyRef: string;
  did: string;
  kid: string;
}

/** did-jwt's signer shape: signing input in, base64url signature (r‖s for ES256) out. */
export function didJwtSigner(key: Pick<SigningKey, 'signer' | 'keyRef'>) {
  return async (data: string | Uint8Array): Promise<string> => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return Buffer.from(await key.signer.sign(key.keyRef, bytes)).toString('base64url');
  };
}

/** VC Data Model 1.1 as a JWT (VC-DATA-MODEL 1.1 §6.3.1), through did-jwt-vc. */
export async function signVcJwt(credential: Record<string, unknown>, key: SigningKey): Promise<string> {
  return createVerifiableCredentialJwt(
    credential as unknown as JwtCredentialPayload,
    { did: key.did, signer: didJwtSigner(key), alg: ALG },
    { header: { kid: key.kid } },
  );
}

/**
 * VC Data Model 2.0 secured with JOSE: the credential itself is the JWT claims set, with
 * `typ: vc+jwt` and `cty: vc` (https://www.w3.org/TR/vc-jose-cose/#securing-with-jose).
 * did-jwt-vc only speaks 1.1, so this goes through did-jwt's JWS primitive and the same signer.
 */
export async function signVcJose(credential: Record<string, unknown>, key: SigningKey): Promise<string> {
  // did-jwt types `typ` as 'JWT' only; a JWS header may carry any media type.
  return createJWS(credential, didJwtSigner(key), { alg: ALG, typ: 'vc+jwt', cty: 'vc', kid: key.kid } as never);
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
