/**
 * Where the verifier gets DID documents, status lists and school facts: our own schools' from the
 * store (no network, no trust in DNS for our own issuers); did:jwk and did:key (holders) are
 * self-contained. Nothing else is resolved and nothing is ever fetched: only a school registered
 * here can issue a credential that passes, so the public verifier makes no outbound request.
 * Caches are bounded in size and time.
 */
import { LRUCache } from 'lru-cache';
import type { JWK } from 'jose';
import { didKeyMethodId, p256JwkOfDidKey, publicJwkOfDidJwk } from '../core/key-dids';
import { didDocument, ownDidReader, schoolDid, schoolIssuer } from '../core/did-web';
import type { PublishedListKind, SchoolRecord } from '../core/records';
import type { Store } from '../core/store';
import type { ResolvedDid, VerifyDeps } from '../core/verify/ports';
import { isObject } from '../core/json';

export interface VerifySourcesOptions {
  store: Store;
  publicUrl: string;
  clock: () => Date;
  maxClockSkewSeconds: number;
  /** How long a school's record (name, key) is cached, ms. */
  schoolCacheMs: number;
}

/** Shortest time between two refreshes of the same DID document (a key rotated in meanwhile). */
export const REFRESH_INTERVAL_MS = 10_000;

/** Reads the parts of a DID document the verifier needs, refusing anything malformed. */
export function toResolvedDid(did: string, doc: unknown): ResolvedDid {
  if (!isObject(doc) || doc.id !== did) throw new Error('the DID document does not describe this DID');
  const methods = Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [];
  const verificationMethods: ResolvedDid['verificationMethods'] = [];
  const absolute = (id: string) => (id.startsWith('#') ? `${did}${id}` : id);
  for (const vm of methods.slice(0, 20)) {
    if (isObject(vm) && typeof vm.id === 'string') {
      verificationMethods.push({ id: absolute(vm.id), ...(isObject(vm.publicKeyJwk) ? { publicKeyJwk: vm.publicKeyJwk as JWK } : {}) });
    }
  }
  const assertionMethod: string[] = [];
  for (const ref of (Array.isArray(doc.assertionMethod) ? doc.assertionMethod : []).slice(0, 20)) {
    if (typeof ref === 'string') assertionMethod.push(absolute(ref));
    else if (isObject(ref) && typeof ref.id === 'string') {
      verificationMethods.push({ id: absolute(ref.id), ...(isObject(ref.publicKeyJwk) ? { publicKeyJwk: ref.publicKeyJwk as JWK } : {}) });
      assertionMethod.push(absolute(ref.id));
    }
  }
  return { did, verificationMethods, assertionMethod };
}

/** did:jwk: the DID is the key (https://github.com/quartzjer/did-jwk/blob/main/spec.md). */
export function resolveDidJwk(did: string): ResolvedDid {
  const id = `${did}#0`;
  return { did, verificationMethods: [{ id, publicKeyJwk: publicJwkOfDidJwk(did.split('#')[0]!) }], assertionMethod: [id] };
}

/** did:key (P-256 only, as ES256 is the only algorithm accepted): the DID is the key. */
export function resolveDidKey(did: string): ResolvedDid {
  const bare = did.split('#')[0]!;
  const id = didKeyMethodId(bare);
  return { did, verificationMethods: [{ id, publicKeyJwk: p256JwkOfDidKey(bare) }], assertionMethod: [id] };
}

export function verifySources(o: VerifySourcesOptions): VerifyDeps & { school(uai: string): Promise<SchoolRecord | undefined> } {
  const base = o.publicUrl.replace(/\/$/, '');
  const uaiOfOwnDid = ownDidReader(base);
  // Derived once: every SD-JWT VC verification maps its `iss` to the school's DID.
  const ownIssuerPrefix = schoolIssuer(base, '');
  const ownDidPrefix = schoolDid(base, '');
  const schools = new LRUCache<string, { record: SchoolRecord | null }>({ max: 2000, ttl: o.schoolCacheMs });
  // A school's resolved DID document, derived once per cached record (it changes only with the record).
  const ownDids = new WeakMap<SchoolRecord, ResolvedDid>();

  // A refresh (see VerifyDeps.resolveDid) reads past the caches, at most once per DID per interval:
  // a stream of tokens naming made-up keys must not turn every verification into a store read.
  const refreshedAt = new LRUCache<string, number>({ max: 2000 });
  const mayRefresh = (did: string) => {
    const now = o.clock().getTime();
    const last = refreshedAt.get(did);
    if (last !== undefined && now - last < REFRESH_INTERVAL_MS && now >= last) return false;
    refreshedAt.set(did, now);
    return true;
  };

  async function school(uai: string, fresh = false): Promise<SchoolRecord | undefined> {
    const hit = fresh ? undefined : schools.get(uai);
    if (hit) return hit.record ?? undefined;
    const record = await o.store.getSchool(uai);
    schools.set(uai, { record: record ?? null });
    return record;
  }

  const ownListPath = /^\/schools\/([0-9]{7}[A-Z])\/status-lists\/(revocation|suspension|token)\/([1-9][0-9]{0,5})$/;

  return {
    clock: o.clock,
    maxClockSkewSeconds: o.maxClockSkewSeconds,
    school,

    async resolveDid(did, options) {
      if (did.length > 2048) throw new Error('DID too long');
      const refresh = options?.refresh === true && mayRefresh(did);
      const uai = uaiOfOwnDid(did);
      if (uai) {
        const s = await school(uai, refresh);
        if (!s) throw new Error('no such school here');
        let resolved = ownDids.get(s);
        if (!resolved) ownDids.set(s, (resolved = toResolvedDid(did, didDocument(s))));
        return resolved;
      }
      if (did.startsWith('did:jwk:')) return resolveDidJwk(did);
      if (did.startsWith('did:key:')) return resolveDidKey(did);
      throw new Error('not a school registered here (only its schools, did:jwk and P-256 did:key are resolved)');
    },

    async fetchStatusList(url) {
      if (url.startsWith(`${base}/`)) {
        const m = ownListPath.exec(url.slice(base.length));
        if (!m) throw new Error('no such status list here');
        const published = await o.store.getPublishedList(m[1]!, Number(m[3]), m[2] as PublishedListKind);
        if (!published) throw new Error('no such status list here');
        return published.jwt;
      }
      throw new Error('not a status list of this deployment');
    },

    issuerDid(iss) {
      const uai = iss.startsWith(ownIssuerPrefix) ? iss.slice(ownIssuerPrefix.length) : undefined;
      return uai !== undefined && /^[0-9]{7}[A-Z]$/.test(uai) ? `${ownDidPrefix}${uai}` : undefined;
    },

    async findSchool(did) {
      const uai = uaiOfOwnDid(did);
      const s = uai ? await school(uai) : undefined;
      return s ? { uai: s.uai, name: s.name } : undefined;
    },
  };
}
