/**
 * POST /credentials/issue/batch over real HTTP, through the issuer Lambda handler of the local
 * home: per-item results, per-item idempotency, item errors that do not sink the batch, and
 * nothing personal kept.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_ITEMS } from '../../lambdas/core/batch-request';
import { issueRequest, PERSONAL_VALUES, SUBJECTS, type KindName } from '../helpers/live-fixtures';
import { jwsOf, localHome } from '../helpers/http';
import { scanTable } from '../helpers/store';

let home: Awaited<ReturnType<typeof localHome>>;
let token: string;

beforeAll(async () => {
  home = await localHome();
  ({ token } = home.server.demo);
});
afterAll(() => home.server.close());

const kinds: KindName[] = ['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'];
const item = (i: number, overrides: Record<string, unknown> = {}) => ({
  id: `row-${i}`,
  ...issueRequest(kinds[i % 3]!, i % 2 ? 'vc+jwt' : 'jwt_vc', { ...SUBJECTS[kinds[i % 3]!], student: { ...(SUBJECTS[kinds[i % 3]!].student as object), givenName: `Élève${i}` } }),
  ...overrides,
});
const batch = (items: unknown[], key?: string) => home.post('/credentials/issue/batch', { items }, { token, headers: key ? { 'idempotency-key': key } : {} });

describe('batch issuance', () => {
  it('issues every item and answers with one result per item, in order', async () => {
    const items = Array.from({ length: 12 }, (_, i) => item(i));
    const res = await batch(items, 'class-tg2-2026');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json.summary).toEqual({ total: 12, issued: 12, replayed: 0, failed: 0 });
    expect(res.json.results.map((r: { id: string }) => r.id)).toEqual(items.map((i) => i.id));
    for (const [i, r] of res.json.results.entries()) {
      expect(r).toMatchObject({ status: 201, kind: kinds[i % 3], format: i % 2 ? 'vc+jwt' : 'jwt_vc', replayed: false });
      const claims = decodeJwt(jwsOf(r.verifiableCredential));
      expect(claims.jti ?? claims.id).toBe(r.credentialId);
      const verified = await home.post('/credentials/verify', { verifiableCredential: r.verifiableCredential });
      expect(verified.json.verified).toBe(true);
    }
    expect(new Set(res.json.results.map((r: { credentialId: string }) => r.credentialId)).size).toBe(12);
  });

  it('replays the same credentials when the batch is resent with its key, and issues only new items', async () => {
    const items = Array.from({ length: 4 }, (_, i) => item(100 + i));
    const first = await batch(items, 'class-tg3-2026');
    const again = await batch([...items, item(104)], 'class-tg3-2026');
    expect(again.json.summary).toEqual({ total: 5, issued: 1, replayed: 4, failed: 0 });
    for (let i = 0; i < 4; i++) {
      expect(again.json.results[i]).toMatchObject({ replayed: true, credentialId: first.json.results[i].credentialId });
      expect(decodeJwt(jwsOf(again.json.results[i].verifiableCredential))).toEqual(decodeJwt(jwsOf(first.json.results[i].verifiableCredential)));
    }
    // The same items under another batch key are other credentials: the key is the identity.
    const other = await batch(items, 'class-tg3-2026-bis');
    expect(other.json.summary.issued).toBe(4);
    expect(other.json.results[0].credentialId).not.toBe(first.json.results[0].credentialId);
  });

  it('keeps its items apart from single issues: a single key spelled "<batch key>:<item id>" is another request', async () => {
    const first = await batch([item(200)], 'class-tg4-2026');
    expect(first.json.results[0].status).toBe(201);
    const single = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token, headers: { 'idempotency-key': 'class-tg4-2026:row-200' } });
    expect(single.status).toBe(201);
    expect(single.json.credentialId).not.toBe(first.json.results[0].credentialId);
  });

  it('reports a bad item with its own problem and still issues the others', async () => {
    const bad = item(201, { credential: { type: ['VerifiableCredential', 'DiplomaCredential'], credentialSubject: { ...SUBJECTS.DiplomaCredential, level: { eqf: 9 } } } });
    const unknown = item(202, { credential: { type: ['VerifiableCredential'], credentialSubject: {} } });
    const res = await batch([item(200), bad, unknown, item(203)], 'class-mixed-2026');
    expect(res.status).toBe(200);
    expect(res.json.summary).toEqual({ total: 4, issued: 2, replayed: 0, failed: 2 });
    expect(res.json.retryAfter).toBeUndefined();
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.json.results[1]).toMatchObject({ id: 'row-201', status: 400, problem: { code: 'VALIDATION_FAILED', errors: [{ pointer: '/credential/credentialSubject/level/eqf' }] } });
    expect(res.json.results[2]).toMatchObject({ id: 'row-202', status: 400, problem: { code: 'UNKNOWN_KIND' } });
    expect(res.json.results[3]).toMatchObject({ status: 201 });
  });

  it('refuses an item changed under the same batch key and item id (422 for that item)', async () => {
    await batch([item(300)], 'class-reuse-2026');
    const changed = item(300, { options: { format: 'vc+jwt' } });
    const res = await batch([changed], 'class-reuse-2026');
    expect(res.json.results[0]).toMatchObject({ status: 422, problem: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('refuses a batch without a usable key, with duplicate item ids, too many items, or unknown members', async () => {
    expect((await batch([item(400)])).json.code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect((await batch([item(400)], 'short')).json.code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect((await batch([item(400)], 'has:colon-0001')).json.code).toBe('INVALID_IDEMPOTENCY_KEY');
    const dup = await batch([item(401), item(401)], 'class-dup-2026');
    expect(dup.status).toBe(400);
    expect(dup.json).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/items/1/id' }] });
    const many = await batch(Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ id: `r${i}`, ...issueRequest() })), 'class-many-2026');
    expect(many.status).toBe(400);
    expect(many.json.code).toBe('VALIDATION_FAILED');
    expect((await batch([{ ...item(402), extra: 1 }], 'class-extra-2026')).json.code).toBe('VALIDATION_FAILED');
    expect((await batch([item(403, { id: 'bad id' })], 'class-badid-2026')).json.code).toBe('VALIDATION_FAILED');
    expect((await home.post('/credentials/issue/batch', { items: [item(404)] }, { headers: { 'idempotency-key': 'class-noauth-2026' } })).status).toBe(401);
  });

  it('keeps nothing personal of the batches', async () => {
    const dump = JSON.stringify(await scanTable(home.server.dynamo));
    for (const value of [...PERSONAL_VALUES, 'Élève1']) expect(dump).not.toContain(value);
  });

  it('is published as a JSON Schema and in the OpenAPI description', async () => {
    const schema = await home.get('/schemas/issue-batch-request.json');
    expect(schema.status).toBe(200);
    expect(schema.json.properties.items.maxItems).toBe(MAX_BATCH_ITEMS);
    const openapi = (await home.get('/openapi.json')).json;
    expect(openapi.paths['/credentials/issue/batch'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/issue-batch-request');
  });
});
