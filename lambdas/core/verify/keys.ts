/**
 * Selecting and importing the issuer's key. Only a key listed under the DID document's
 * `assertionMethod` may secure a credential (VC-DATA-MODEL 2.0 §4.12 "Securing mechanisms");
 * a `jwk`, `jku` or `x5u` header is never used to find it.
 */
import type { KeyObject } from 'node:crypto';
import { isObject, shown } from '../json';
import type { JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { p256PublicKey } from './jws';
import type { ResolvedDid, VerifyDeps } from './ports';
import { VerifyFailure } from './result';

/** Imported keys by their coordinates: a key import costs more than the signature check itself. */
const imported = new LRUCache<string, KeyObject>({ max: 1000 });

export function assertionKey(doc: ResolvedDid, header: { kid?: unknown }): { id: string; jwk: JWK } {
  const candidates = doc.verificationMethods.filter((vm) => doc.assertionMethod.includes(vm.id) && vm.publicKeyJwk);
  let chosen;
  // A kid that is there names a key, or the credential is malformed: never "the only key" by default.
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'kid must be a DID URL (a string)');
  if (typeof header.kid === 'string') {
    const kid = header.kid.startsWith('#') ? `${doc.did}${header.kid}` : header.kid;
    if (!kid.startsWith(`${doc.did}#`)) throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', `kid ${shown(header.kid)} does not belong to the issuer ${shown(doc.did)}`);
    chosen = candidates.find((vm) => vm.id === kid || vm.id === kid.slice(doc.did.length));
    if (!chosen) throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', `kid ${shown(header.kid)} is not an assertionMethod of ${shown(doc.did)}`);
  } else if (candidates.length === 1) {
    chosen = candidates[0];
  } else {
    throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'no kid header and the issuer does not have exactly one assertion key');
  }
  return { id: chosen!.id, jwk: chosen!.publicKeyJwk! };
}

/**
 * True when the header names, by `kid`, a key of this DID that the document does not list under
 * `assertionMethod`: the document may predate a key rotation, and is worth reading again.
 */
export function namesUnlistedKey(doc: ResolvedDid, header: { kid?: unknown }): boolean {
  if (typeof header.kid !== 'string') return false;
  const kid = header.kid.startsWith('#') ? `${doc.did}${header.kid}` : header.kid;
  return kid.startsWith(`${doc.did}#`) && !doc.assertionMethod.includes(kid) && !doc.assertionMethod.includes(kid.slice(doc.did.length));
}

/** The issuer's assertion keys for one verification: the credential's and its status lists'. */
export interface IssuerKeys {
  did: string;
  /** The key a JWS header names (see `assertionKey`), imported; throws KEY_NOT_AUTHORIZED. */
  keyFor(header: { kid?: unknown }): Promise<KeyObject>;
  /**
   * Throws KEY_NOT_AUTHORIZED when the document was read again during this verification and no
   * longer gives `used` (the key `keyFor` returned for this header): the issuer withdrew it.
   */
  confirm(header: { kid?: unknown }, used: KeyObject): Promise<void>;
}

/**
 * Starts from the resolved document; when a JWS names a key of the issuer that the document does
 * not list, the document is read once more, past caches, for this verification: a school that
 * rotated its key signs new credentials (and re-signs its status lists) with a key that cached
 * documents do not list yet. A refresh that fails keeps the document already held.
 */
export function issuerKeys(deps: Pick<VerifyDeps, 'resolveDid'>, resolved: ResolvedDid): IssuerKeys {
  let doc: ResolvedDid | Promise<ResolvedDid> = resolved;
  let refreshed = false;
  return {
    did: resolved.did,
    async keyFor(header) {
      const held = await doc;
      if (!refreshed && namesUnlistedKey(held, header)) {
        refreshed = true;
        doc = deps.resolveDid(held.did, { refresh: true }).catch(() => held);
      }
      // Concurrent callers (the two status lists) all wait for the one refresh.
      return importKey(assertionKey(await doc, header).jwk);
    },
    async confirm(header, used) {
      if (!refreshed) return;
      let current: KeyObject | undefined;
      try {
        current = importKey(assertionKey(await doc, header).jwk);
      } catch {
        // Not listed any more: withdrawn.
      }
      if (!current?.equals(used)) throw new VerifyFailure('KEY_NOT_AUTHORIZED', 'signature', 'the issuer has withdrawn the key that signed this credential');
    },
  };
}

/**
 * A P-256 coordinate in base64url without padding (RFC 7518 §6.2.1.2). Some wallet libraries drop
 * its leading zero bytes, which RFC 7518 does not allow but which names the same key: accepted.
 * What is not base64url is refused (Node's decoder would skip a trailing dot or padding), and so
 * is a last character with bits set beyond the coordinate's (Node ignores them): one key would
 * otherwise be written several ways, each with its own RFC 7638 thumbprint and holder DID.
 */
const COORDINATE = /^[A-Za-z0-9_-]{1,43}$/;
export const isP256Coordinate = (v: unknown): v is string => typeof v === 'string' && COORDINATE.test(v) && Buffer.from(v, 'base64url').toString('base64url') === v;

/** Whether an untrusted value is a public P-256 JWK: EC, P-256, base64url coordinates, no private `d`. */
export const isPublicP256 = (jwk: unknown): jwk is JWK & { x: string; y: string } =>
  isObject(jwk) && jwk.kty === 'EC' && jwk.crv === 'P-256' && isP256Coordinate(jwk.x) && isP256Coordinate(jwk.y) && !('d' in jwk);

/** The native public key of a P-256 JWK (public members only), imported once and cached. */
export function importKey(jwk: JWK): KeyObject {
  if (!isPublicP256(jwk)) {
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
