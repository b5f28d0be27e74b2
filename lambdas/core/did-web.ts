/**
 * did:web for schools. Each school is its own issuer: `did:web:<host>:schools:<uai>`, whose
 * document is served at `https://<host>/schools/<uai>/did.json`.
 * https://w3c-ccg.github.io/did-method-web/#create-register
 */
import type { JWK } from 'jose';
import type { SchoolRecord } from './records';

/** The method-specific id prefix for a public base URL: host (port as %3A) then path segments. */
export function didWebPrefix(publicUrl: string): string {
  const u = new URL(publicUrl);
  const host = u.port ? `${u.hostname}%3A${u.port}` : u.hostname;
  const path = u.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did:web', host, ...path].join(':');
}

/**
 * A school's HTTPS identifier: its OpenID4VCI Credential Issuer identifier, and the `iss` of its
 * SD-JWT VCs. `https://<host>/schools/<uai>`.
 */
export const schoolIssuer = (publicUrl: string, uai: string) => `${publicUrl.replace(/\/$/, '')}/schools/${uai}`;

export function schoolDid(publicUrl: string, uai: string): string {
  return `${didWebPrefix(publicUrl)}:schools:${uai}`;
}

/**
 * Reads the UAI out of our own schools' DIDs (undefined when the DID is not ours). The prefix is
 * derived once: this runs on every verification.
 */
export function ownDidReader(publicUrl: string): (did: string) => string | undefined {
  const prefix = `${didWebPrefix(publicUrl)}:schools:`;
  return (did) => {
    if (!did.startsWith(prefix)) return undefined;
    const rest = did.slice(prefix.length);
    return /^[0-9]{7}[A-Z]$/.test(rest) ? rest : undefined;
  };
}


/** The HTTPS URL of a did:web document (did:web spec §3.2.2 "Read (Resolve)"). */
export function didWebDocumentUrl(did: string): URL {
  const parts = did.split(':');
  if (parts.length < 3 || parts[0] !== 'did' || parts[1] !== 'web') throw new TypeError('not a did:web');
  const [host, ...path] = parts.slice(2).map((p) => decodeURIComponent(p));
  if (!host || /[/?#@\\]/.test(host) || path.some((p) => p === '' || p === '.' || p === '..' || /[/?#\\]/.test(p))) {
    throw new TypeError('malformed did:web');
  }
  const url = new URL(`https://${host}`);
  url.pathname = path.length ? `/${path.join('/')}/did.json` : '/.well-known/did.json';
  return url;
}

/** Only the public members of a P-256 JWK: a DID document must never carry `d`. */
export function publicJwk(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK;
}

/**
 * The school's DID document: its next key (published ahead of use), its current key and the keys
 * it rotated away from (so credentials they signed keep verifying), all authorised for
 * `assertionMethod` only.
 */
export function didDocument(school: Pick<SchoolRecord, 'did' | 'kid' | 'publicJwk' | 'previousKeys' | 'nextKey'>) {
  // The next key (a routine rotation) is listed before it signs anything: see signing-key.ts.
  const keys = [...(school.nextKey ? [school.nextKey] : []), { kid: school.kid, publicJwk: school.publicJwk }, ...(school.previousKeys ?? [])];
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: school.did,
    verificationMethod: keys.map((k) => ({ id: k.kid, type: 'JsonWebKey2020', controller: school.did, publicKeyJwk: publicJwk(k.publicJwk) })),
    assertionMethod: keys.map((k) => k.kid),
  };
}

/**
 * JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §4): how SD-JWT VC verifiers find the keys of
 * the school's Credential Issuer identifier (its `iss`), at
 * `https://<host>/.well-known/jwt-vc-issuer/schools/<uai>`. The keys are the DID document's, with
 * the same key ids, so a `kid` means one key whichever document a verifier reads.
 */
export function jwtVcIssuerMetadata(publicUrl: string, school: Pick<SchoolRecord, 'uai' | 'did' | 'kid' | 'publicJwk' | 'previousKeys' | 'nextKey'>) {
  const keys = [...(school.nextKey ? [school.nextKey] : []), { kid: school.kid, publicJwk: school.publicJwk }, ...(school.previousKeys ?? [])];
  return {
    issuer: schoolIssuer(publicUrl, school.uai),
    jwks: { keys: keys.map((k) => ({ ...publicJwk(k.publicJwk), kid: k.kid, alg: 'ES256', use: 'sig' })) },
  };
}
