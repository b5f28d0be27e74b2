/**
 * Selecting and importing the issuer's key. Only a key listed under the DID document's
 * `assertionMethod` may secure a credential (VC-DATA-MODEL 2.0 §4.12 "Securing mechanisms");
 * a `jwk`, `jku` or `x5u` header is never used to find it.
 */
import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { BoundedCache } from './bounded-cache';
import { p256PublicKey } from './jws';
import type { ResolvedDid } from './ports';
import { VerifyFailure } from './result';

/** Imported keys by their coordinates: a key import costs more than the signature check itself. */
const imported = new BoundedCache<string, KeyObject>(1000);

export function assertionKey(doc: ResolvedDid, header: { kid?: unknown }): { id: string; jwk: JWK } {
  const candidates = doc.verificationMethods.filter((vm) => doc.assertionMethod.includes(vm.id) && vm.publicKeyJwk);
  let chosen;
  if (typeof header.kid === 'string') {
    const kid = header.kid.startsWith('#') ? `${doc.did}${header.kid}` : header.kid;
    if (!kid.startsWith(`${doc.did}#`)) throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', `kid ${header.kid} does not belong to the issuer ${doc.did}`);
    chosen = candidates.find((vm) => vm.id === kid || vm.id === kid.slice(doc.did.length));
    if (!chosen) throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', `kid ${header.kid} is not an assertionMethod of ${doc.did}`);
  } else if (candidates.length === 1) {
    chosen = candidates[0];
  } else {
    throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'no kid header and the issuer does not have exactly one assertion key');
  }
  return { id: chosen!.id, jwk: chosen!.publicKeyJwk! };
}

/** The native public key of a P-256 JWK (public members only), imported once and cached. */
export function importKey(jwk: JWK): KeyObject {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
    throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'the assertion key is not a public P-256 key');
  }
  const cacheKey = `${jwk.x}.${jwk.y}`;
  let key = imported.get(cacheKey);
  if (!key) {
    try {
      key = p256PublicKey(jwk.x, jwk.y);
    } catch {
      throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'the assertion key cannot be imported');
    }
    imported.set(cacheKey, key);
  }
  return key;
}
