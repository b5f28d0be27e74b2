/**
 * Selecting and importing the issuer's key. Only a key listed under the DID document's
 * `assertionMethod` may secure a credential (VC-DATA-MODEL 2.0 §4.12 "Securing mechanisms");
 * a `jwk`, `jku` or `x5u` header is never used to find it.
 */
import { importJWK, type JWK, type ProtectedHeaderParameters } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ResolvedDid } from './ports';
import { VerifyFailure } from './result';

type Key = Awaited<ReturnType<typeof importJWK>>;
const imported = new LRUCache<string, Key>({ max: 1000 });

export function assertionKey(doc: ResolvedDid, header: ProtectedHeaderParameters): { id: string; jwk: JWK } {
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

export async function importKey(jwk: JWK): Promise<Key> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
    throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'the assertion key is not a public P-256 key');
  }
  const cacheKey = `${jwk.x}.${jwk.y}`;
  let key = imported.get(cacheKey);
  if (!key) {
    try {
      key = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256');
    } catch {
      throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'the assertion key cannot be imported');
    }
    imported.set(cacheKey, key);
  }
  return key;
}
