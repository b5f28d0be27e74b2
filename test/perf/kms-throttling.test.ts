/**
 * Issuance under a saturated KMS quota: a KMS stand-in that throttles 30% of Sign calls.
 * Throttled calls are retried with jittered backoff; what still fails is a 503 SIGNER_UNAVAILABLE
 * with Retry-After; resending the failed items converges; and at no point is a credential lost
 * (stored but never returned), duplicated (two credentials for one item) or half-written
 * (stored without its completed reservation, or returned without being stored).
 */
import { createHmac } from 'node:crypto';
import { reservationKey } from '../../lambdas/core/use-cases/issue-credential';
import { compactVerify, decodeJwt, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lambdas/http/logger';
import { KmsSigner } from '../../lambdas/adapters/kms-signer';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { buildDeps } from '../../lambdas/composition';
import { loadConfig } from '../../lambdas/config';
import { issueBatch, itemKey, type BatchItem, type BatchResult } from '../../lambdas/core/use-cases/issue-batch';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { createApp } from '../../lambdas/http/app';
import { SIGNER_UNAVAILABLE_PATTERN } from '../../lib/constructs/operations-alarms';
import { batchRoutes, LAST_ITEM_MS } from '../../lambdas/http/routes/batch';
import { issuerRoutes } from '../../lambdas/http/routes/issuer';
import type { RouteHandler } from '../../lambdas/http/routes/types';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { fakeKms } from '../helpers/fake-kms';
import { issueRequest, SUBJECTS, type KindName } from '../helpers/fixtures';
import { jwsOf } from '../helpers/http';
import { seeded } from '../helpers/random';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let kms: ReturnType<typeof fakeKms>;
let mode: 'off' | 'share' | 'all' = 'off';
const delays: number[] = [];
let signer: KmsSigner;
let deps: ReturnType<typeof coreDeps>;
let registered: Awaited<ReturnType<typeof schoolWithToken>>;

beforeAll(async () => {
  env = await startStore();
  // Seeded: the throttling pattern is the same on every run.
  const draw = seeded(2026);
  // 30% of Sign calls are throttled while mode is "share"; all of them while it is "all".
  kms = fakeKms({ throttleRatio: 0.3, random: () => (mode === 'share' ? draw() : mode === 'all' ? 0 : 1) });
  // Few attempts, so that some items exhaust them and the 503 path is exercised too; the waits
  // are recorded instead of slept.
  signer = new KmsSigner(kms.client, { retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1000 }, sleep: async (ms) => void delays.push(ms), random: seeded(7) });
  deps = coreDeps(env.store, { signer, keys: signer });
  registered = await schoolWithToken(deps, '0751234', 'Lycée Throttle');
});
afterAll(() => env.close());

const kinds: KindName[] = ['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'];
function yearGroup(n: number): BatchItem[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % 3]!;
    const subject = { ...SUBJECTS[kind], student: { ...(SUBJECTS[kind].student as object), givenName: `Élève${i}` } };
    return { id: `row-${String(i).padStart(4, '0')}`, request: issueRequest(kind, i % 2 ? 'vc+jwt' : 'jwt_vc', subject) };
  });
}

describe('a year group issued while KMS throttles 30% of Sign calls', () => {
  const BATCH = 'year-group-2026-terminale';
  const items = yearGroup(90);
  const issued = new Map<string, { credentialId: string; jws: string }>();
  const rounds: BatchResult[] = [];

  it('retries throttled signs with jittered backoff, and answers 503 SIGNER_UNAVAILABLE with Retry-After for what still fails', async () => {
    mode = 'share';
    const before = { sign: kms.stats.sign, throttled: kms.stats.throttled, signed: kms.stats.digests.length };
    const r = await issueBatch(deps, { school: registered.school, actor: 'school:test', batchKey: BATCH, items });
    rounds.push(r);
    const throttled = kms.stats.throttled - before.throttled;
    const signed = kms.stats.digests.length - before.signed;

    // Retries happened: more Sign calls than signatures; each throttled call was retried or reported.
    expect(throttled).toBeGreaterThan(0);
    expect(kms.stats.sign - before.sign).toBe(signed + throttled);
    expect(delays.length).toBeGreaterThan(0);

    // Exactly one successful Sign per credential returned (no replay yet): nothing signed is lost.
    expect(r.issued).toBe(signed);
    expect(r.issued + r.failed).toBe(items.length);
    expect(r.failed).toBeGreaterThan(0);
    for (const f of r.results.filter((x) => !x.ok)) {
      if (f.ok) continue;
      expect(f.error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
      expect(f.error.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(r.retryAfter).toBeGreaterThanOrEqual(1);
    for (const x of r.results) if (x.ok) issued.set(x.id, { credentialId: x.result.credentialId, jws: jwsOf(x.result.verifiableCredential) });
  });

  it('converges when only the failed items are resent, each item getting exactly one credential', async () => {
    const before = { sign: kms.stats.sign, throttled: kms.stats.throttled, signed: kms.stats.digests.length };
    for (let round = 0; round < 30 && issued.size < items.length; round++) {
      // A failed item may hold a pending reservation; it is taken over once stale (30 s).
      deps.now.value = new Date(deps.now.value.getTime() + 31_000);
      const r = await issueBatch(deps, { school: registered.school, actor: 'school:test', batchKey: BATCH, items: items.filter((i) => !issued.has(i.id)) });
      rounds.push(r);
      for (const x of r.results) {
        if (x.ok) {
          expect(issued.has(x.id)).toBe(false);
          issued.set(x.id, { credentialId: x.result.credentialId, jws: jwsOf(x.result.verifiableCredential) });
        } else {
          expect(['SIGNER_UNAVAILABLE', 'IDEMPOTENCY_IN_PROGRESS']).toContain(x.error.code);
        }
      }
    }
    mode = 'off';
    expect(issued.size).toBe(items.length);
    expect(new Set([...issued.values()].map((v) => v.credentialId)).size).toBe(items.length);
    // Every Sign call either signed or was throttled, and about 30% were throttled.
    const calls = kms.stats.sign - before.sign;
    const throttled = kms.stats.throttled - before.throttled;
    expect(calls).toBe(kms.stats.digests.length - before.signed + throttled);
    expect(throttled / calls).toBeGreaterThan(0.15);
    expect(throttled / calls).toBeLessThan(0.45);
    // Backoff with full jitter: the waits vary, under ceilings of 50 then 100 ms.
    expect(new Set(delays.map((d) => d.toFixed(3))).size).toBeGreaterThan(delays.length * 0.9);
    expect(Math.max(...delays)).toBeLessThan(100);
    expect(delays.some((d) => d >= 50)).toBe(true);
  });

  it('stored exactly the credentials it returned, each once, each with its completed reservation', async () => {
    const all = await env.scanAll();
    const returned = new Map([...issued.entries()].map(([id, v]) => [v.credentialId, id]));
    // Each item's reservation, filed under the digest of its key, holds the salt its commit's mark on the credential is made with.
    const itemOfReservation = new Map(items.map((x) => [reservationKey(itemKey(BATCH, x.id)), x.id]));
    const reservations = all.filter((i) => String(i.pk).startsWith(`IDEM#${registered.uai}#`) && itemOfReservation.has(String(i.key)));
    expect(reservations).toHaveLength(items.length);
    for (const r of reservations) {
      expect(r.state).toBe('complete');
      expect(returned.get(String(r.credentialId))).toBe(itemOfReservation.get(String(r.key)));
    }
    const ofBatch = new Map(reservations.map((r) => { const id = itemOfReservation.get(String(r.key))!; return [createHmac('sha256', String(r.salt)).update(itemKey(BATCH, id)).digest('base64url'), id]; }));
    const stored = all.filter((i) => String(i.pk).startsWith('CRED#') && ofBatch.has(String(i.idempotencyKeyDigest)));
    expect(stored).toHaveLength(items.length);
    for (const s of stored) {
      const itemId = returned.get(String(s.credentialId));
      expect(itemId, `stored ${s.credentialId} was never returned`).toBeDefined();
      expect(ofBatch.get(String(s.idempotencyKeyDigest))).toBe(itemId);
    }
  });

  it('returned only credentials that verify, with the signature KMS made for the school key', async () => {
    const key = await importJWK(registered.school.publicJwk, 'ES256');
    const verify = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
    for (const [id, { credentialId, jws }] of issued) {
      await compactVerify(jws, key, { algorithms: ['ES256'] });
      const r = await verifyCredential(verify, jws);
      expect(r.errors, id).toEqual([]);
      expect(r.credential?.id).toBe(credentialId);
    }
  });

  it('replays the whole batch as the same credentials, storing nothing more', async () => {
    mode = 'share';
    const r = await issueBatch(deps, { school: registered.school, actor: 'school:test', batchKey: BATCH, items });
    mode = 'off';
    for (const x of r.results) {
      if (!x.ok) {
        expect(x.error.code).toBe('SIGNER_UNAVAILABLE');
        continue;
      }
      expect(x.result.replayed).toBe(true);
      expect(x.result.credentialId).toBe(issued.get(x.id)!.credentialId);
      expect(decodeJwt(jwsOf(x.result.verifiableCredential))).toEqual(decodeJwt(issued.get(x.id)!.jws));
    }
    // Each credential's record holds its key as a salted mark only, and the table no key at all (an item id may be personal).
    const all = await env.scanAll();
    const salts = new Map(all.filter((i) => String(i.pk).startsWith('IDEM#')).map((i) => [String(i.key), String(i.salt)]));
    const marks = new Set(items.map((x) => createHmac('sha256', salts.get(reservationKey(itemKey(BATCH, x.id)))!).update(itemKey(BATCH, x.id)).digest('base64url')));
    const stored = all.filter((i) => String(i.pk).startsWith('CRED#') && marks.has(String(i.idempotencyKeyDigest)));
    expect(JSON.stringify(all)).not.toContain(itemKey(BATCH, ''));
    expect(stored).toHaveLength(items.length);
    const audit = await env.store.listAudit(registered.uai, { from: '2026-11-22T00:00:00Z', to: '2026-11-23T23:59:59Z', limit: 1000 });
    const ids = new Set([...issued.values()].map((v) => v.credentialId));
    expect(audit.events.filter((e) => e.action === 'credential.issued' && ids.has(e.credentialId!))).toHaveLength(items.length);
  });
});

describe('a batch that runs out of time', () => {
  it('starts no item past its deadline: those come back as BATCH_OUT_OF_TIME with Retry-After, and are issued when resent', async () => {
    // Each Sign takes a second of the batch's clock; one item at a time.
    const slow = Object.assign(Object.create(signer) as KmsSigner, {
      sign: (keyRef: string, data: Uint8Array) => {
        deps.now.value = new Date(deps.now.value.getTime() + 1000);
        return signer.sign(keyRef, data);
      },
    });
    const slowDeps = { ...deps, signer: slow, clock: () => deps.now.value };
    const items = yearGroup(6).map((i) => ({ ...i, id: `late-${i.id}` }));
    const cmd = { school: registered.school, actor: 'school:test', batchKey: 'late-batch-2026', items, concurrency: 1 };
    const r = await issueBatch(slowDeps, { ...cmd, deadline: deps.now.value.getTime() + 2500 });
    // Started at +0, +1 s and +2 s; the fourth would start at +3 s, past the deadline.
    expect(r.results.map((x) => (x.ok ? 201 : x.error.code))).toEqual([201, 201, 201, 'BATCH_OUT_OF_TIME', 'BATCH_OUT_OF_TIME', 'BATCH_OUT_OF_TIME']);
    for (const x of r.results) if (!x.ok) expect(x.error).toMatchObject({ status: 503, retryAfter: 1 });
    expect(r.retryAfter).toBe(1);

    const again = await issueBatch(slowDeps, { ...cmd, deadline: deps.now.value.getTime() + 60_000 });
    expect(again.results.map((x) => x.ok && x.result.replayed)).toEqual([true, true, true, false, false, false]);
  });
});

interface BatchReply {
  summary: Record<string, number>;
  results: { id: string; status: number; credentialId?: string; problem?: { code: string } }[];
}

describe('through the issuer app (the HTTP routes, requests made in process)', () => {
  async function issuerApp() {
    const config = loadConfig({ ATTESTO_PUBLIC_URL: PUBLIC_URL, ATTESTO_SIGNER: 'kms', ATTESTO_DYNAMODB_ENDPOINT: env.endpoint, ATTESTO_DYNAMODB_ACCESS_KEY_ID: env.accessKeyId });
    const app = buildDeps(config, { db: env.db, signer, clock: () => deps.now.value });
    const impl: Record<string, RouteHandler> = { ...issuerRoutes, ...batchRoutes };
    // The issuer group's other routes are not under test here.
    const routes = new Proxy(impl, { get: (t, k: string) => t[k] ?? (async () => new Response(null, { status: 501 })) });
    return createApp('issuer', app, routes);
  }
  const post = (app: Awaited<ReturnType<typeof issuerApp>>, path: string, body: unknown, key?: string) =>
    app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${registered.token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) } });

  it('answers a single issue with 503 and Retry-After when every Sign is throttled, and stores nothing', async () => {
    const app = await issuerApp();
    const credentials = async () => (await env.scanAll()).filter((i) => String(i.pk).startsWith('CRED#')).length;
    const before = await credentials();
    mode = 'all';
    const res = await post(app, '/credentials/issue', issueRequest('DiplomaCredential'));
    mode = 'off';
    expect(await credentials()).toBe(before);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
  });

  it('answers a disabled key with SIGNING_KEY_UNUSABLE (500, no Retry-After) after one Sign, and starts no more items of a batch', async () => {
    const app = await issuerApp();
    const keyRef = [...kms.keys.entries()].find(([, k]) => k.tags['attesto:uai'] === registered.uai)![0];
    kms.disabled.add(keyRef);
    try {
      let signs = kms.stats.sign;
      const single = await post(app, '/credentials/issue', issueRequest('DiplomaCredential'));
      expect(single.status).toBe(500);
      expect(single.headers.get('retry-after')).toBe(null);
      expect(await single.json()).toMatchObject({ code: 'SIGNING_KEY_UNUSABLE', status: 500 });
      expect(kms.stats.sign - signs).toBe(1);

      signs = kms.stats.sign;
      const warnings = vi.spyOn(logger, 'warn');
      const res = await post(app, '/credentials/issue/batch', { items: yearGroup(30).map(({ id, request }) => ({ id, ...request })) }, 'http-batch-disabled');
      expect(res.headers.get('retry-after')).toBe(null);
      // Logged for the signer alarm, as a throttled signer is.
      expect(warnings).toHaveBeenCalledWith('unavailable', expect.objectContaining({ code: 'SIGNING_KEY_UNUSABLE', items: 30 }));
      warnings.mockRestore();
      const json = (await res.json()) as BatchReply & { retryAfter?: number };
      expect(json.retryAfter).toBeUndefined();
      expect(json.results).toHaveLength(30);
      for (const r of json.results) expect(r).toMatchObject({ status: 500, problem: { code: 'SIGNING_KEY_UNUSABLE' } });
      // The items already started (8 at a time) met the refusal; none was started after it.
      expect(kms.stats.sign - signs).toBeLessThanOrEqual(8);
    } finally {
      kms.disabled.delete(keyRef);
    }
  });

  it('answers items it had no time to start as 503 BATCH_OUT_OF_TIME, which the signer alarm does not count: the signer did not fail', async () => {
    const app = await issuerApp();
    const signs = kms.stats.sign;
    const warnings = vi.spyOn(logger, 'warn');
    const body = JSON.stringify({ items: yearGroup(3).map(({ id, request }) => ({ id, ...request })) });
    // The function has no more time left than an item may take: no item starts.
    const lambdaContext = { getRemainingTimeInMillis: () => LAST_ITEM_MS };
    const res = await app.request('/credentials/issue/batch', { method: 'POST', body, headers: { authorization: `Bearer ${registered.token}`, 'content-type': 'application/json', 'idempotency-key': 'http-batch-late' } }, { lambdaContext });
    expect(res.status).toBe(200);
    expect(res.headers.get('retry-after')).toBe('1');
    const json = (await res.json()) as BatchReply;
    expect(json.results).toHaveLength(3);
    for (const r of json.results) expect(r).toMatchObject({ status: 503, problem: { code: 'BATCH_OUT_OF_TIME' } });
    expect(kms.stats.sign).toBe(signs);
    // Logged for the operators under its own code, out of the signer alarm's pattern.
    expect(warnings).toHaveBeenCalledWith('unavailable', expect.objectContaining({ code: 'BATCH_OUT_OF_TIME', items: 3 }));
    expect(warnings).not.toHaveBeenCalledWith('unavailable', expect.objectContaining({ code: 'SIGNER_UNAVAILABLE' }));
    warnings.mockRestore();
    expect(SIGNER_UNAVAILABLE_PATTERN).not.toContain('BATCH_OUT_OF_TIME');
  });

  it('reports each batch item as 503 with Retry-After, then issues them all when resent', async () => {
    const app = await issuerApp();
    const body = { items: yearGroup(5).map(({ id, request }) => ({ id, ...request })) };
    const credsBefore = (await env.scanAll()).filter((i) => String(i.pk).startsWith('CRED#')).length;
    const warnings = vi.spyOn(logger, 'warn');
    mode = 'all';
    const res = await post(app, '/credentials/issue/batch', body, 'http-batch-0001');
    mode = 'off';
    expect(res.status).toBe(200);
    expect(res.headers.get('retry-after')).toBe('1');
    // Logged as the single issue's 503 is, so the SignerUnavailable alarm (a metric filter on this line) fires.
    expect(warnings).toHaveBeenCalledWith('unavailable', expect.objectContaining({ code: 'SIGNER_UNAVAILABLE', items: 5 }));
    warnings.mockRestore();
    const json = (await res.json()) as BatchReply;
    expect(json.summary).toEqual({ total: 5, issued: 0, replayed: 0, failed: 5 });
    for (const r of json.results) expect(r).toMatchObject({ status: 503, problem: { code: 'SIGNER_UNAVAILABLE', status: 503 } });
    expect((await env.scanAll()).filter((i) => String(i.pk).startsWith('CRED#')).length).toBe(credsBefore);

    deps.now.value = new Date(deps.now.value.getTime() + 31_000);
    const again = (await (await post(app, '/credentials/issue/batch', body, 'http-batch-0001')).json()) as BatchReply;
    expect(again.summary).toEqual({ total: 5, issued: 5, replayed: 0, failed: 0 });
    const ids = again.results.map((r) => r.credentialId!);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(await env.store.getCredential(registered.uai, parseCredentialId(id)!.slot)).toMatchObject({ credentialId: id });
  });
});
