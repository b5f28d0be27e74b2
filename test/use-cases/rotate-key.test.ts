/** Rotating a school's key: routinely (old credentials keep verifying) and after a compromise. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_INTERVAL_MS, verifySources } from '../../lambdas/adapters/verify-sources';
import { didDocument } from '../../lambdas/core/did-web';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { rotateKey } from '../../lambdas/core/use-cases/rotate-key';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { decodeProtectedHeader } from 'jose';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
});
afterAll(() => env.close());

const verifier = () => verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0, fetch: { timeoutMs: 500 } });
const issue = async (uai: string) => {
  const school = (await env.store.getSchool(uai))!;
  return (await issueCredential(deps, { school, actor: 't', request: issueRequest() })).verifiableCredential as string;
};
const rotate = (uai: string, compromised: boolean) => rotateKey({ ...deps, store: env.store }, { uai, actor: 'operator:test', compromised });

describe('key rotation', () => {
  it('signs with the new key from then on; credentials signed before keep verifying', async () => {
    const { uai, did } = await schoolWithToken(deps, '0751234');
    const before = await issue(uai);
    expect(await rotate(uai, false)).toMatchObject({ kid: `${did}#key-2`, retired: `${did}#key-1`, keysInDidDocument: 2 });
    const after = await issue(uai);
    expect(decodeProtectedHeader(after).kid).toBe(`${did}#key-2`);
    const doc = didDocument((await env.store.getSchool(uai))!);
    expect(doc.assertionMethod).toEqual([`${did}#key-2`, `${did}#key-1`]);
    for (const jws of [before, after]) expect((await verifyCredential(verifier(), jws)).verified).toBe(true);
    await rotate(uai, false);
    expect(decodeProtectedHeader(await issue(uai)).kid).toBe(`${did}#key-3`);
    expect((await verifyCredential(verifier(), before)).verified).toBe(true);
  });

  it('after a compromise, drops every previous key: what they signed no longer verifies, status lists are re-signed', async () => {
    const { uai, did } = await schoolWithToken(deps, '0130001');
    const before = await issue(uai);
    await rotate(uai, false);
    const middle = await issue(uai);
    expect(await rotate(uai, true)).toMatchObject({ kid: `${did}#key-3`, compromised: true, keysInDidDocument: 1 });
    for (const jws of [before, middle]) {
      const r = await verifyCredential(verifier(), jws);
      expect(r.verified).toBe(false);
      expect(r.errors.map((e) => e.code)).toEqual(['KEY_NOT_AUTHORIZED']);
    }
    const after = await issue(uai);
    const r = await verifyCredential(verifier(), after);
    expect(r.errors).toEqual([]); // status lists re-signed with key-3, so the status check passes
    const published = (await env.store.getPublishedList(uai, 1, 'revocation'))!;
    expect(decodeProtectedHeader(published.jwt).kid).toBe(`${did}#key-3`);
  });

  it('is audited, without personal data', async () => {
    const { uai, did } = await schoolWithToken(deps, '0690002');
    await rotate(uai, false);
    const { events } = await readAudit(deps, { uai });
    expect(events.find((e) => e.action === 'key.rotated')).toMatchObject({ actor: 'operator:test', detail: { kid: `${did}#key-2`, previous: `${did}#key-1`, compromised: false } });
  });

  describe('with a verifier that cached the school before the rotation', () => {
    // The verifier keeps school records (their DID documents) for a minute on AWS.
    const caching = (store = env.store) => verifySources({ store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 60_000, fetch: { timeoutMs: 500 } });
    const countingReads = () => {
      const reads = { n: 0 };
      const store = new Proxy(env.store, {
        get: (target, name, receiver) => (name === 'getSchool' ? (uai: string) => (reads.n++, target.getSchool(uai)) : Reflect.get(target, name, receiver)),
      });
      return { store, reads };
    };

    it('verifies a credential signed with the new key at once: a kid the cached document lacks makes it read the school again', async () => {
      const { uai, did } = await schoolWithToken(deps, '0440005');
      const v = caching();
      expect((await verifyCredential(v, await issue(uai))).verified).toBe(true); // caches key-1 only
      await rotate(uai, false);
      const after = await issue(uai);
      expect(decodeProtectedHeader(after).kid).toBe(`${did}#key-2`);
      expect(await verifyCredential(v, after)).toMatchObject({ verified: true, errors: [] });
    });

    it('checks an old credential whose status list was re-signed with the new key since', async () => {
      const { uai, did } = await schoolWithToken(deps, '0590006');
      const v = caching();
      const before = await issue(uai);
      expect((await verifyCredential(v, before)).verified).toBe(true);
      await rotate(uai, true); // re-signs the school's status lists with key-2; `before` (key-1) is no longer trusted
      const after = await issue(uai);
      expect(decodeProtectedHeader((await env.store.getPublishedList(uai, 1, 'revocation'))!.jwt).kid).toBe(`${did}#key-2`);
      expect(await verifyCredential(v, after)).toMatchObject({ verified: true, errors: [] });
    });

    it('stops trusting a compromised key at the next verification: the re-signed status list shows the withdrawal', async () => {
      const { uai } = await schoolWithToken(deps, '0750010');
      const v = caching();
      const before = await issue(uai);
      expect((await verifyCredential(v, before)).verified).toBe(true); // the cache now holds key-1
      await rotate(uai, true);
      const r = await verifyCredential(v, before);
      expect(r.verified).toBe(false);
      expect(r.errors.map((e) => e.code)).toEqual(['KEY_NOT_AUTHORIZED']);
      expect(r.checks).not.toContain('signature');
      // And from then on, straight from the refreshed cache.
      expect((await verifyCredential(v, before)).errors.map((e) => e.code)).toEqual(['KEY_NOT_AUTHORIZED']);
    });

    it('keeps trusting the previous key after a routine rotation, with a refreshed document', async () => {
      const { uai } = await schoolWithToken(deps, '0750011');
      const v = caching();
      const before = await issue(uai);
      expect((await verifyCredential(v, before)).verified).toBe(true);
      await rotate(uai, false);
      expect((await verifyCredential(v, await issue(uai))).verified).toBe(true); // refreshes: key-2 joins
      expect(await verifyCredential(v, before)).toMatchObject({ verified: true, errors: [] });
    });

    it('reads the school again at most once per interval, however many tokens name keys it does not have', async () => {
      const { uai } = await schoolWithToken(deps, '0670007');
      const { store, reads } = countingReads();
      const v = caching(store);
      const jws = await issue(uai);
      expect((await verifyCredential(v, jws)).verified).toBe(true);
      expect(reads.n).toBe(1);
      const [, p, sig] = jws.split('.');
      const forged = (n: number) => `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: `${decodeProtectedHeader(jws).kid!.split('#')[0]}#key-${90 + n}` })).toString('base64url')}.${p}.${sig}`;
      for (let n = 0; n < 5; n++) {
        const r = await verifyCredential(v, forged(n));
        expect(r.errors.map((e) => e.code)).toEqual(['KEY_NOT_AUTHORIZED']);
      }
      expect(reads.n).toBe(2);
      const t0 = deps.now.value;
      try {
        deps.now.value = new Date(t0.getTime() + REFRESH_INTERVAL_MS);
        await verifyCredential(v, forged(9));
        expect(reads.n).toBe(3);
      } finally {
        deps.now.value = t0;
      }
    });
  });

  it('refuses an unknown school', async () => {
    await expect(rotate('0330003Z', false)).rejects.toMatchObject({ code: 'UNKNOWN_SCHOOL' });
  });
});
