/** Rotating a school's key: routinely (old credentials keep verifying) and after a compromise. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_INTERVAL_MS, verifySources } from '../../lambdas/adapters/verify-sources';
import { didDocument } from '../../lambdas/core/did-web';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import { decodeList, getBit } from '../../lambdas/core/status/bitstring';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { rotateKey } from '../../lambdas/core/use-cases/rotate-key';
import { republishStatusLists, resignStatusLists } from '../../lambdas/core/use-cases/republish-status-lists';
import { AttestoError } from '../../lambdas/core/errors';
import { publishStatusLists } from '../../lambdas/core/status/publish';
import { DID_DOCUMENT_MAX_AGE_SECONDS } from '../../lambdas/core/signing-key';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { decodeProtectedHeader } from 'jose';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { auditDown, startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
});
afterAll(() => env.close());

const verifier = () => verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
const issue = async (uai: string) => {
  const school = (await env.store.getSchool(uai))!;
  return (await issueCredential(deps, { school, actor: 't', request: issueRequest() })).verifiableCredential as string;
};
const rotate = (uai: string, compromised: boolean, immediate = false) => rotateKey({ ...deps, store: env.store }, { uai, actor: 'operator:test', compromised, immediate });
/** Runs `fn` with the clock moved `seconds` ahead, then puts it back. */
async function later<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
  const t0 = deps.now.value;
  deps.now.value = new Date(t0.getTime() + seconds * 1000);
  try {
    return await fn();
  } finally {
    deps.now.value = t0;
  }
}

describe('key rotation', () => {
  it('publishes the new key at once and signs with it once cached DID documents list it (5 minutes)', async () => {
    const { uai, did } = await schoolWithToken(deps, '0751234');
    const before = await issue(uai);
    const activeFrom = new Date(deps.now.value.getTime() + DID_DOCUMENT_MAX_AGE_SECONDS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(await rotate(uai, false)).toMatchObject({ kid: `${did}#key-2`, retired: `${did}#key-1`, activeFrom, keysInDidDocument: 2 });
    expect(didDocument((await env.store.getSchool(uai))!).assertionMethod).toEqual([`${did}#key-2`, `${did}#key-1`]);
    // Until then, key-1 signs: a verifier holding the document from before the rotation still knows it.
    expect(decodeProtectedHeader(await later(DID_DOCUMENT_MAX_AGE_SECONDS - 1, () => issue(uai))).kid).toBe(`${did}#key-1`);
    const after = await later(DID_DOCUMENT_MAX_AGE_SECONDS, () => issue(uai));
    expect(decodeProtectedHeader(after).kid).toBe(`${did}#key-2`);
    for (const jws of [before, after]) expect((await later(DID_DOCUMENT_MAX_AGE_SECONDS, () => verifyCredential(verifier(), jws))).verified).toBe(true);
  });

  it('retires the active key at the next rotation, and a next key that never signed with it', async () => {
    const { uai, did } = await schoolWithToken(deps, '0751235');
    const key1 = (await env.store.getSchool(uai))!.keyRef;
    expect(await rotate(uai, false)).toMatchObject({ retiredKeyRefs: [key1] }); // key-2 next; key-1 unused once it is active
    const key2 = (await env.store.getSchool(uai))!.nextKey!.keyRef;
    expect(await later(DID_DOCUMENT_MAX_AGE_SECONDS, () => rotate(uai, false))).toMatchObject({ retiredKeyRefs: [key1, key2] }); // key-2 active: key-3 next
    let school = (await env.store.getSchool(uai))!;
    expect(school.keyRef).toBe(key2);
    expect(school).toMatchObject({ kid: `${did}#key-2`, nextKey: { kid: `${did}#key-3` } });
    expect(didDocument(school).assertionMethod).toEqual([`${did}#key-3`, `${did}#key-2`, `${did}#key-1`]);
    await rotate(uai, false); // key-3 was not active yet: key-4 next, key-2 still signs
    school = (await env.store.getSchool(uai))!;
    expect(school).toMatchObject({ kid: `${did}#key-2`, nextKey: { kid: `${did}#key-4` } });
    expect(didDocument(school).assertionMethod).toEqual([`${did}#key-4`, `${did}#key-2`, `${did}#key-3`, `${did}#key-1`]);
    expect(decodeProtectedHeader(await issue(uai)).kid).toBe(`${did}#key-2`);
  });

  it('switches at once when asked to (--now), keeping the previous keys', async () => {
    const { uai, did } = await schoolWithToken(deps, '0751236');
    const before = await issue(uai);
    expect(await rotate(uai, false, true)).toMatchObject({ kid: `${did}#key-2`, keysInDidDocument: 2 });
    expect(decodeProtectedHeader(await issue(uai)).kid).toBe(`${did}#key-2`);
    expect((await env.store.getSchool(uai))!.nextKey).toBeUndefined();
    expect((await verifyCredential(verifier(), before)).verified).toBe(true);
  });

  it('lets one of two concurrent rotations through', async () => {
    const { uai } = await schoolWithToken(deps, '0751237');
    const results = await Promise.allSettled([rotate(uai, false), rotate(uai, false)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'ROTATION_CONFLICT' } });
  });

  it('after a compromise, drops every previous key: what they signed no longer verifies, status lists are re-signed', async () => {
    const { uai, did } = await schoolWithToken(deps, '0130001');
    const before = await issue(uai);
    await rotate(uai, false, true);
    const middle = await issue(uai);
    expect(await rotate(uai, true)).toMatchObject({ kid: `${did}#key-3`, compromised: true, keysInDidDocument: 1 });
    expect((await env.store.getSchool(uai))!.nextKey).toBeUndefined();
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

  it('after a compromise, also re-signs a list the school rolled over to while its new key was being made', async () => {
    const { uai, did } = await schoolWithToken(deps, '0290002');
    const before = (await env.store.getSchool(uai))!;
    // While KMS makes the key (seconds on AWS), an issuance fills list 1 and rolls over to list 2,
    // publishing it with the key it read: the one the rotation drops.
    const keys = {
      ...deps.keys,
      createKey: async (u: string) => {
        const made = await deps.keys.createKey(u);
        const list = await env.store.advanceList(uai, 1);
        await publishStatusLists(deps, { ...before, currentList: list }, list);
        return made;
      },
    };
    expect(await rotateKey({ ...deps, keys, store: env.store }, { uai, actor: 'operator:test', compromised: true })).toMatchObject({ kid: `${did}#key-2` });
    for (const list of [1, 2]) {
      for (const purpose of ['revocation', 'suspension'] as const) expect(decodeProtectedHeader((await env.store.getPublishedList(uai, list, purpose))!.jwt).kid, `${purpose} ${list}`).toBe(`${did}#key-2`);
    }
    // A credential issued now lands on list 2, and verifies: its status list is signed with a listed key.
    const fresh = await issue(uai);
    expect(parseCredentialId(JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString()).jti)?.slot.list).toBe(2);
    expect((await verifyCredential(verifier(), fresh)).errors).toEqual([]);
  });

  it('says another rotation landed, rather than failing after three rounds, when a newer compromise signs the lists meanwhile', async () => {
    const { uai, did } = await schoolWithToken(deps, '0290004');
    await rotate(uai, true);
    const stale = (await env.store.getSchool(uai))!;
    await rotate(uai, true); // a second compromise, landed while the first was still signing its lists
    const error = await resignStatusLists(deps, stale).catch((e) => e);
    expect(error).toMatchObject({ code: 'ROTATION_CONFLICT', status: 409 });
    expect(error.retryAfter).toBeUndefined();
    expect(error.message).toContain(`landed while its lists were being signed again with ${did}#key-2`);
    // The lists are the newer key's.
    expect(decodeProtectedHeader((await env.store.getPublishedList(uai, 1, 'revocation'))!.jwt).kid).toBe(`${did}#key-3`);
  });

  it('starts signing with the new key a full cache lifetime after the document lists it, however long the key took to make', async () => {
    const { uai } = await schoolWithToken(deps, '0290003');
    const t0 = deps.now.value;
    // KMS takes 20 s (on AWS, until the new key's tag is authorized): the clock moves meanwhile.
    const keys = { ...deps.keys, createKey: async (u: string) => ((deps.now.value = new Date(t0.getTime() + 20_400)), deps.keys.createKey(u)) };
    try {
      const rotated = await rotateKey({ ...deps, keys, store: env.store }, { uai, actor: 'operator:test', compromised: false });
      // 20.4 s + 300 s, rounded up to the second.
      expect(rotated.activeFrom).toBe(new Date(t0.getTime() + 321_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    } finally {
      deps.now.value = t0;
    }
  });

  it('when a compromise rotation stops halfway, says what to run; republish-status-lists then re-signs the lists', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330007');
    await issue(uai); // list 1 published, signed by key-1
    const kmsDown = { sign: async (): Promise<Uint8Array> => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'the signing service is unavailable; retry', { retryAfter: 1 })) };
    await expect(rotateKey({ ...deps, signer: kmsDown, store: env.store }, { uai, actor: 'operator:test', compromised: true })).rejects.toMatchObject({
      code: 'SIGNER_UNAVAILABLE',
      message: `0 of 1 status lists of ${uai} are signed with its current key; run \`attesto school republish-status-lists --uai ${uai}\` (on AWS: POST /schools/${uai}/status-list-republications)`,
    });
    // key-2 signs, key-1 is dropped, and the list is still signed by key-1: it fails closed.
    const after = await issue(uai);
    expect(decodeProtectedHeader(after).kid).toBe(`${did}#key-2`);
    expect((await verifyCredential(verifier(), after)).errors.map((e) => e.code)).toEqual(['STATUS_LIST_INVALID']);

    expect(await republishStatusLists(deps, { uai, actor: 'operator:test' })).toEqual({ uai, lists: 1, kid: `${did}#key-2` });
    expect(await verifyCredential(verifier(), after)).toMatchObject({ verified: true, errors: [] });
    const { events } = await readAudit(deps, { reader: 'operator', uai });
    expect(events.find((e) => e.action === 'status-list.republished')).toMatchObject({ actor: 'operator:test', detail: { lists: 1, kid: `${did}#key-2` } });
  });

  it('re-signs the lists after a compromise even when the audit write fails, and answers with a warning not to rotate again', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330008');
    await issue(uai);
    const failingAudit = auditDown(env.store);
    expect(await rotateKey({ ...deps, store: failingAudit }, { uai, actor: 'operator:test', compromised: true })).toMatchObject({
      kid: `${did}#key-2`,
      warnings: [`the key.rotated audit event could not be written (storage is unavailable (audit); retry): run \`attesto school republish-status-lists --uai ${uai}\` (on AWS: POST /schools/${uai}/status-list-republications), which records it (rotating again to record it would make another key)`],
    });
    expect(decodeProtectedHeader((await env.store.getPublishedList(uai, 1, 'revocation'))!.jwt).kid).toBe(`${did}#key-2`);
    // What the warning says: republishing records the rotation, once however often it is run.
    const rotations = async () => (await readAudit(deps, { reader: 'operator', uai })).events.filter((e) => e.action === 'key.rotated');
    expect(await rotations()).toEqual([]);
    await republishStatusLists({ ...deps, store: env.store }, { uai, actor: 'operator:test' });
    await republishStatusLists({ ...deps, store: env.store }, { uai, actor: 'operator:other' });
    expect(await rotations()).toEqual([
      { uai, at: '2026-11-22T10:00:00Z', action: 'key.rotated', actor: 'operator:test', detail: expect.objectContaining({ kid: `${did}#key-2`, previous: `${did}#key-1`, compromised: true }) },
    ]);
  });

  it('keeps the event of a rotation whose audit write failed: a later rotation, or a republication that fails, writes it first', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330010');
    const rotations = async () => (await readAudit(deps, { reader: 'operator', uai })).events.filter((e) => e.action === 'key.rotated').map((e) => e.detail?.kid);
    await rotateKey({ ...deps, store: auditDown(env.store) }, { uai, actor: 'operator:test', compromised: false, immediate: true });
    const throttled = { ...deps, store: env.store, signer: { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) } };
    await expect(republishStatusLists(throttled, { uai, actor: 'operator:test' })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    expect(await rotations()).toEqual([`${did}#key-2`]);
    // And a second rotation after a first whose event could not be written keeps both.
    const { uai: uai2, did: did2 } = await schoolWithToken(deps, '0330011');
    await rotateKey({ ...deps, store: auditDown(env.store) }, { uai: uai2, actor: 'operator:test', compromised: false, immediate: true });
    await later(10, () => rotate(uai2, false, true));
    expect((await readAudit(deps, { reader: 'operator', uai: uai2, to: '2026-11-22T10:01:00Z' })).events.filter((e) => e.action === 'key.rotated').map((e) => e.detail?.kid)).toEqual([`${did2}#key-2`, `${did2}#key-3`]);
  });

  it('never lets a failing audit store hold back a compromise rotation: the unwritten events stay saved until written', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330012');
    await rotateKey({ ...deps, store: auditDown(env.store) }, { uai, actor: 'operator:test', compromised: false, immediate: true });
    // The audit store is still down when the key is found compromised: the rotation happens all the same.
    expect(await rotateKey({ ...deps, store: auditDown(env.store) }, { uai, actor: 'operator:test', compromised: true })).toMatchObject({ kid: `${did}#key-3`, warnings: [expect.stringContaining('republish-status-lists')] });
    expect(decodeProtectedHeader((await env.store.getPublishedList(uai, 1, 'revocation'))!.jwt).kid).toBe(`${did}#key-3`);
    // The recovery command re-signs even while audit writes fail, and says the events still wait.
    expect(await republishStatusLists({ ...deps, store: auditDown(env.store) }, { uai, actor: 'operator:test' }).catch((e) => e)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await republishStatusLists({ ...deps, store: env.store }, { uai, actor: 'operator:test' });
    const rotations = (await readAudit(deps, { reader: 'operator', uai })).events.filter((e) => e.action === 'key.rotated').map((e) => e.detail?.kid);
    expect(rotations.sort()).toEqual([`${did}#key-2`, `${did}#key-3`]);
  });

  it('signs a list again when a status change published it with the previous key meanwhile', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330009');
    await issue(uai);
    const before = (await env.store.getSchool(uai))!; // what a concurrent revocation read
    await rotate(uai, false, true); // key-2 signs from now
    let raced = false;
    const racing = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'bumpStatusSeq'
          ? async (u: string, list: number) => {
              const seq = await target.bumpStatusSeq(u, list);
              if (!raced) {
                // The revocation bumps after us and publishes with key-1: its newer publication wins.
                raced = true;
                await target.bumpStatusSeq(u, list);
                await publishStatusLists({ ...deps, store: target }, before, list);
              }
              return seq;
            }
          : Reflect.get(target, name, receiver),
    });
    expect(await republishStatusLists({ ...deps, store: racing }, { uai, actor: 'operator:test' })).toEqual({ uai, lists: 1, kid: `${did}#key-2` });
    expect(raced).toBe(true);
    for (const purpose of ['revocation', 'suspension'] as const) {
      expect(decodeProtectedHeader((await env.store.getPublishedList(uai, 1, purpose))!.jwt).kid).toBe(`${did}#key-2`);
    }
  });

  it('names the key it created when another rotation of the school landed first, and does not invite a blind retry', async () => {
    const { uai } = await schoolWithToken(deps, '0330023');
    const lost = new Proxy(env.store, { get: (t, name, r) => (name === 'replaceKeys' ? async () => false : Reflect.get(t, name, r)) });
    const error = await rotateKey({ ...deps, store: lost }, { uai, actor: 'operator:test', compromised: false, immediate: true }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ROTATION_CONFLICT', status: 409 });
    expect(error.retryAfter).toBeUndefined();
    expect(error.message).toMatch(/landed first: read the school .* the key created for this attempt \(local:[^)]+\) is used by nothing/);
  });

  it('is audited, without personal data', async () => {
    const { uai, did } = await schoolWithToken(deps, '0690002');
    await rotate(uai, false);
    const { events } = await readAudit(deps, { reader: 'operator', uai });
    expect(events.find((e) => e.action === 'key.rotated')).toMatchObject({ actor: 'operator:test', detail: { kid: `${did}#key-2`, previous: `${did}#key-1`, compromised: false, activeFrom: expect.any(String), retiredKeyRefs: expect.stringMatching(/^local:\S+$/) } });
  });

  it('does not let a status change authenticated before a compromise rotation put the withdrawn key back on a list', async () => {
    const { uai, did } = await schoolWithToken(deps, '0750013');
    const credential = await issueCredential(deps, { school: (await env.store.getSchool(uai))!, actor: 't', request: issueRequest() });
    // The revocation read the school (key-1) when its request was authenticated; the rotation
    // then re-signs every list with key-2, before the revocation publishes.
    const readBefore = (await env.store.getSchool(uai))!;
    await rotate(uai, true);
    await updateStatus({ ...deps, store: env.store }, { school: readBefore, actor: 't', request: { credentialId: credential.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } });
    for (const purpose of ['revocation', 'suspension', 'token'] as const) {
      expect(decodeProtectedHeader((await env.store.getPublishedList(uai, 1, purpose))!.jwt).kid, purpose).toBe(`${did}#key-2`);
    }
    // So a credential signed with key-2 verifies, and the revocation is published.
    const v = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
    expect((await verifyCredential(v, await issue(uai))).errors.map((e) => e.code)).toEqual([]);
    const list = JSON.parse(Buffer.from((await env.store.getPublishedList(uai, 1, 'revocation'))!.jwt.split('.')[1]!, 'base64url').toString());
    expect(getBit(decodeList(list.credentialSubject.encodedList, 1 << 20), parseCredentialId(credential.credentialId)!.slot.index)).toBe(true);
  });

  describe('with a verifier that cached the school before the rotation', () => {
    // The verifier keeps school records (their DID documents) for a minute on AWS.
    const caching = (store = env.store) => verifySources({ store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 60_000 });
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
      await rotate(uai, false, true); // --now: signs before cached documents list the key
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

    it('stops trusting a status list it had decoded once its key is withdrawn, even when the re-signing failed', async () => {
      const { uai } = await schoolWithToken(deps, '0750012');
      const v = caching();
      expect((await verifyCredential(v, await issue(uai))).verified).toBe(true); // decodes and caches the key-1 lists
      const throttled = { ...deps, store: env.store, signer: { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) } };
      await expect(rotateKey(throttled, { uai, actor: 'operator:test', compromised: true, immediate: false })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
      // A credential signed with key-2 names the lists still signed with the withdrawn key-1: the
      // warm verifier answers as a cold one would, and does not vouch for the list from its cache.
      const after = await issue(uai);
      const cold = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
      expect((await verifyCredential(cold, after)).errors.map((e) => e.code)).toEqual(['STATUS_LIST_INVALID']);
      expect((await verifyCredential(v, after)).errors.map((e) => e.code)).toEqual(['STATUS_LIST_INVALID']);
    });

    it('keeps trusting the previous key after a routine rotation, with a refreshed document', async () => {
      const { uai } = await schoolWithToken(deps, '0750011');
      const v = caching();
      const before = await issue(uai);
      expect((await verifyCredential(v, before)).verified).toBe(true);
      await rotate(uai, false, true);
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

describe('a rotation that names the key it replaces, sent again', () => {
  /** Counts the keys made: a repeated request must not leave one more key behind. */
  const counting = () => {
    const made = { n: 0 };
    const keys = { ...deps.keys, createKey: async (uai: string) => ((made.n += 1), deps.keys.createKey(uai)) };
    return { made, rotateWith: (cmd: Omit<Parameters<typeof rotateKey>[1], 'actor'>, signer = deps.signer) => rotateKey({ ...deps, keys, signer, store: env.store }, { actor: 'operator:test', ...cmd }) };
  };

  it('answers the same rotation again, marked replayed, without making another key (each mode)', async () => {
    for (const [digits, mode] of [['0330101', 'scheduled'], ['0330102', 'immediate'], ['0330103', 'compromised']] as const) {
      const { uai, did } = await schoolWithToken(deps, digits);
      const { made, rotateWith } = counting();
      const cmd = { uai, compromised: mode === 'compromised', immediate: mode === 'immediate', replaces: `${did}#key-1` };
      const first = await rotateWith(cmd);
      expect(first, mode).toMatchObject({ kid: `${did}#key-2`, retired: `${did}#key-1`, replayed: false });
      const document = didDocument((await env.store.getSchool(uai))!);
      const again = await rotateWith(cmd);
      expect(again, mode).toEqual({ ...first, replayed: true });
      expect(made.n, mode).toBe(1);
      expect(didDocument((await env.store.getSchool(uai))!), mode).toEqual(document);
      // Still so once the new key signs.
      expect(await later(DID_DOCUMENT_MAX_AGE_SECONDS, () => rotateWith(cmd)), mode).toEqual({ ...first, replayed: true });
    }
  });

  it('finishes a compromise rotation that stopped before signing the lists again, when the same request is sent again', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330104');
    await issue(uai);
    const { made, rotateWith } = counting();
    const kmsDown = { sign: async (): Promise<Uint8Array> => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'the signing service is unavailable; retry', { retryAfter: 1 })) };
    const cmd = { uai, compromised: true, replaces: `${did}#key-1` };
    await expect(rotateWith(cmd, kmsDown)).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    const after = await issue(uai);
    expect((await verifyCredential(verifier(), after)).errors.map((e) => e.code)).toEqual(['STATUS_LIST_INVALID']);
    expect(await rotateWith(cmd)).toMatchObject({ kid: `${did}#key-2`, retired: `${did}#key-1`, compromised: true, replayed: true });
    expect(made.n).toBe(1);
    expect(await verifyCredential(verifier(), after)).toMatchObject({ verified: true, errors: [] });
  });

  it('refuses, before making a key, a request naming a key the school does not sign with, or a rotation already made in another mode', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330105');
    const { made, rotateWith } = counting();
    await expect(rotateWith({ uai, compromised: false, replaces: `${did}#key-7` })).rejects.toMatchObject({
      code: 'ROTATION_CONFLICT',
      status: 409,
      message: `${did}#key-7 is not the key school ${uai} signs with (${did}#key-1): read the school (its DID document) before rotating again`,
    });
    await rotateWith({ uai, compromised: false, replaces: `${did}#key-1` });
    await expect(rotateWith({ uai, compromised: false, immediate: true, replaces: `${did}#key-1` })).rejects.toMatchObject({
      code: 'ROTATION_CONFLICT',
      message: expect.stringMatching(new RegExp(`^${did}#key-1 was already replaced by ${did}#key-2 at .*, in a scheduled rotation`)),
    });
    expect(made.n).toBe(1);
    // Once key-2 signs, key-1 is not the key to name.
    await expect(later(DID_DOCUMENT_MAX_AGE_SECONDS, () => rotateWith({ uai, compromised: true, replaces: `${did}#key-1` }))).rejects.toMatchObject({ code: 'ROTATION_CONFLICT' });
    expect(made.n).toBe(1);
  });

  it('treats a compromise found after a routine rotation as a new request: it replaces the key signing now', async () => {
    const { uai, did } = await schoolWithToken(deps, '0330106');
    const { made, rotateWith } = counting();
    await rotateWith({ uai, compromised: false, replaces: `${did}#key-1` });
    // key-2 does not sign yet: key-1 does, and is compromised.
    expect(await rotateWith({ uai, compromised: true, replaces: `${did}#key-1` })).toMatchObject({ kid: `${did}#key-3`, retired: `${did}#key-1`, compromised: true, replayed: false });
    expect(made.n).toBe(2);
    expect(didDocument((await env.store.getSchool(uai))!).assertionMethod).toEqual([`${did}#key-3`]);
  });
});
