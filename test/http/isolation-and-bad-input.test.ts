/**
 * The public endpoints face the internet. Every bad request gets a 4xx problem+json with a
 * stable code, never a 5xx, never a partial write; and a school can only ever act as itself.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRequest } from '../helpers/live-fixtures';
import { localHome, type Reply } from '../helpers/http';
import { scanTable } from '../helpers/store';

let home: Awaited<ReturnType<typeof localHome>>;
const schools: Record<'A' | 'B', { uai: string; token: string; credentialId: string; jws: string }> = {} as never;

const itemCount = async () => (await scanTable(home.server.dynamo)).length;

function expectProblem(res: Reply, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.json).toMatchObject({ status, code, type: expect.stringMatching(/^urn:attesto:problem:/), title: expect.any(String), detail: expect.any(String) });
}

beforeAll(async () => {
  home = await localHome();
  const operator = JSON.parse(readFileSync(join(home.server.dataDir, 'operator.json'), 'utf8')).token;
  for (const [name, uai] of [['A', '0751234J'], ['B', '0130001F']] as const) {
    const res = await home.post('/schools', { uai, name: `École ${name}` }, { token: operator });
    expect(res.status).toBe(201);
    const issued = await home.post('/credentials/issue', issueRequest(), { token: res.json.token });
    expect(issued.status).toBe(201);
    schools[name] = { uai, token: res.json.token, credentialId: issued.json.credentialId, jws: issued.json.verifiableCredential };
  }
});
afterAll(() => home.server.close());

describe('school isolation', () => {
  const revoke = (credentialId: string) => ({ credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] });

  it.each([
    ['A', 'B'],
    ['B', 'A'],
  ] as const)('school %s cannot revoke, suspend or read the audit of school %s', async (me, them) => {
    const { token } = schools[me];
    expectProblem(await home.post('/credentials/status', revoke(schools[them].credentialId), { token }), 403, 'FORBIDDEN');
    expectProblem(await home.post('/credentials/status', { ...revoke(schools[them].credentialId), credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'suspension', status: true }] }, { token }), 403, 'FORBIDDEN');
    expectProblem(await home.get(`/schools/${schools[them].uai}/audit`, { token }), 403, 'FORBIDDEN');
    // Nor can it issue as them: the issuer is never taken from the request.
    const asThem = issueRequest();
    (asThem.credential as Record<string, unknown>).issuer = `did:web:127.0.0.1:schools:${schools[them].uai}`;
    expectProblem(await home.post('/credentials/issue', asThem, { token }), 400, 'VALIDATION_FAILED');
    const mine = await home.post('/credentials/issue', issueRequest(), { token });
    expect(mine.json.credentialId).toMatch(new RegExp(`^urn:attesto:${schools[me].uai}:`));
  });

  it('an Idempotency-Key is the school\'s own: another school using the same key issues its own credential, never a replay or a 422', async () => {
    const headers = { 'idempotency-key': 'sis-export-shared-0001' };
    const a = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token: schools.A.token, headers });
    expect(a.status).toBe(201);
    // The same body under the same key: a replay would hand B school A's credential.
    const b = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token: schools.B.token, headers });
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBe(null);
    expect(b.json.credentialId).toMatch(new RegExp(`^urn:attesto:${schools.B.uai}:`));
    // Another body under the same key: a 422 would tell B that A uses this key.
    const other = await home.post('/credentials/issue', issueRequest('EnrollmentCredential'), { token: schools.B.token, headers: { 'idempotency-key': 'sis-export-shared-0002' } });
    expect(other.status).toBe(201);
    const again = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token: schools.A.token, headers: { 'idempotency-key': 'sis-export-shared-0002' } });
    expect(again.status).toBe(201);
    expect(again.json.credentialId).toMatch(new RegExp(`^urn:attesto:${schools.A.uai}:`));
    // Batch keys too: the same batch key and item ids at both schools.
    const items = { items: [{ id: 'row-1', ...issueRequest('DiplomaCredential') }] };
    const batchHeaders = { 'idempotency-key': 'terminales-shared-batch' };
    const batchA = await home.post('/credentials/issue/batch', items, { token: schools.A.token, headers: batchHeaders });
    const batchB = await home.post('/credentials/issue/batch', items, { token: schools.B.token, headers: batchHeaders });
    expect(batchA.json.results[0]).toMatchObject({ status: 201, replayed: false, credentialId: expect.stringMatching(new RegExp(`^urn:attesto:${schools.A.uai}:`)) });
    expect(batchB.json.results[0]).toMatchObject({ status: 201, replayed: false, credentialId: expect.stringMatching(new RegExp(`^urn:attesto:${schools.B.uai}:`)) });
  });

  it('their credentials are untouched', async () => {
    for (const s of Object.values(schools)) {
      const verified = await home.post('/credentials/verify', { verifiableCredential: s.jws });
      expect(verified.json).toMatchObject({ verified: true, issuer: { uai: s.uai } });
      const audit = await home.get(`/schools/${s.uai}/audit`, { token: s.token });
      expect(audit.json.events.filter((e: { action: string }) => e.action === 'credential.revoked' || e.action === 'credential.suspended')).toEqual([]);
    }
  });

  it('refuses a token whose secret belongs to another school, a missing token, an operator route without operator credentials', async () => {
    const forged = `atst_${schools.A.uai}_${schools.B.token.split('_').pop()}`;
    expectProblem(await home.post('/credentials/issue', issueRequest(), { token: forged }), 401, 'UNAUTHORIZED');
    const none = await home.post('/credentials/issue', issueRequest());
    expectProblem(none, 401, 'UNAUTHORIZED');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectProblem(await home.post('/schools', { uai: '0690002C', name: 'X' }, { token: schools.A.token }), 401, 'UNAUTHORIZED');
  });
});

/** `json` as UTF-8, but with `word` in Latin-1 (é as the lone byte 0xE9: malformed UTF-8). */
const latin1Inside = (json: string, word: string) => {
  const [before, after] = json.split(word) as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from(word, 'latin1'), Buffer.from(after)]);
};

/** A request as a raw client may send it (fetch will not send a GET with a body). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${home.server.url}${path}`, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('what a client may send around the body', () => {
  it('serves a GET sent with a body as without one (the body means nothing there)', async () => {
    expect(await raw('GET', '/health', { 'content-type': 'application/json' }, '{}')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    const did = await raw('GET', `/schools/${schools.A.uai}/did.json`, { 'content-type': 'application/json' }, '{"x":1}');
    expect(did.status).toBe(200);
    expect(JSON.parse(did.body).id).toMatch(/^did:web:/);
  });

  it('routes paths as paths: "//host/…" names no host, and a target that is no path (`*`, an absolute URL) leads nowhere', async () => {
    const at = new URL(home.server.url);
    const target = (path: string, method = 'POST') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ hostname: at.hostname, port: at.port, path, method, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{"verifiableCredential":"x.y.z"}' : undefined);
      });
    for (const path of ['//credentials/verify', '//x/credentials/verify', '*', `http://evil.example/credentials/verify`]) {
      const res = await target(path, path === '*' ? 'OPTIONS' : 'POST');
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body).code, path).toBe('NOT_FOUND');
    }
    expect((await target('/credentials/verify')).status).toBe(400);
  });

  it('answers If-None-Match: * with 304 where there is a document (RFC 9110 §13.1.2)', async () => {
    const res = await home.get(`/schools/${schools.A.uai}/did.json`, { headers: { 'if-none-match': '*' } });
    expect(res.status).toBe(304);
  });

  it('never quotes back what would turn an answer around or hide text: bidirectional and control characters are shown as U+FFFD', async () => {
    const res = await home.get('/schools/%E2%80%AE%00X/did.json');
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe('no school \uFFFD\uFFFDX');
  });

  it('refuses an empty Idempotency-Key (a retry would otherwise issue twice), writing nothing', async () => {
    const before = await itemCount();
    for (const key of ['', ' ']) {
      const res = await raw('POST', '/credentials/issue', { authorization: `Bearer ${schools.A.token}`, 'content-type': 'application/json', 'idempotency-key': key }, JSON.stringify(issueRequest()));
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(JSON.parse(res.body).code).toBe('INVALID_IDEMPOTENCY_KEY');
    }
    expect(await itemCount()).toBe(before);
  });
});

describe('bad input', () => {
  const big = 'x'.repeat(70_000);
  const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
  const token = () => schools.A.token;
  type Case = [string, () => Promise<Reply>, number, string];
  const cases: Case[] = [
    ['malformed JSON', () => home.call('POST', '/credentials/issue', { token: token(), raw: '{"credential":', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON'],
    ['invalid UTF-8', () => home.call('POST', '/credentials/issue', { token: token(), raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON'],
    // Valid JSON around a malformed byte: refused, not stored as U+FFFD.
    ['invalid UTF-8 inside a JSON string', () => home.call('POST', '/credentials/issue', { token: token(), raw: latin1Inside(JSON.stringify(issueRequest()), 'Zéphyrine'), headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON'],
    ['deeply nested JSON', () => home.call('POST', '/credentials/verify', { raw: deep, headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_FAILED'],
    ['JSON declared in another charset (it would be misread)', () => home.call('POST', '/credentials/issue', { token: token(), raw: JSON.stringify(issueRequest()), headers: { 'content-type': 'application/json; charset=utf-16' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['not JSON at all', () => home.call('POST', '/credentials/issue', { token: token(), raw: 'credential=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['oversized body', () => home.post('/credentials/issue', { credential: { type: ['VerifiableCredential', 'EnrollmentCredential'], credentialSubject: { x: big } } }, { token: token() }), 413, 'BODY_TOO_LARGE'],
    ['a JSON array', () => home.post('/credentials/issue', [1, 2], { token: token() }), 400, 'VALIDATION_FAILED'],
    ['null', () => home.post('/credentials/issue', null, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['wrong types', () => home.post('/credentials/issue', { credential: { type: 'EnrollmentCredential', credentialSubject: 'me' } }, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['unknown kind', () => home.post('/credentials/issue', { credential: { type: ['VerifiableCredential', 'PassportCredential'], credentialSubject: {} } }, { token: token() }), 400, 'UNKNOWN_KIND'],
    ['two kinds', () => home.post('/credentials/issue', { credential: { type: ['EnrollmentCredential', 'DiplomaCredential'], credentialSubject: {} } }, { token: token() }), 400, 'UNKNOWN_KIND'],
    ['an invalid date', () => home.post('/credentials/issue', issueRequest('EnrollmentCredential', 'jwt_vc', { ...issueRequest().credential.credentialSubject, startDate: '2026-02-30' }), { token: token() }), 400, 'VALIDATION_FAILED'],
    ['end before start', () => home.post('/credentials/issue', issueRequest('EnrollmentCredential', 'jwt_vc', { ...issueRequest().credential.credentialSubject, endDate: '2020-01-01' }), { token: token() }), 400, 'VALIDATION_FAILED'],
    ['validUntil before validFrom', () => home.post('/credentials/issue', { ...issueRequest(), credential: { ...issueRequest().credential, validFrom: '2027-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' } }, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['unknown format', () => home.post('/credentials/issue', { ...issueRequest(), options: { format: 'ldp_vc' } }, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['a bad Idempotency-Key', () => home.post('/credentials/issue', issueRequest(), { token: token(), headers: { 'idempotency-key': 'no spaces allowed' } }), 400, 'INVALID_IDEMPOTENCY_KEY'],
    // The keys of batch items and wallet redemptions (batch/…, oid4vci/…) cannot be named by a single issuance.
    ['an Idempotency-Key in the batch or wallet namespace', () => home.post('/credentials/issue', issueRequest(), { token: token(), headers: { 'idempotency-key': 'oid4vci/c2FtZS1oYXNoLW9mLWEtdG9rZW4' } }), 400, 'INVALID_IDEMPOTENCY_KEY'],
    ['a garbage token', () => home.post('/credentials/issue', issueRequest(), { token: 'x'.repeat(5000) }), 401, 'UNAUTHORIZED'],
    ['an unknown UAI', () => home.get('/schools/0000000A/did.json'), 404, 'UNKNOWN_SCHOOL'],
    ['a malformed UAI', () => home.get('/schools/..%2F..%2Fetc/did.json'), 404, 'UNKNOWN_SCHOOL'],
    ['an unknown status purpose', () => home.get(`/schools/${schools.A.uai}/status-lists/message/1`), 404, 'NOT_FOUND'],
    ['an unknown route', () => home.get('/admin'), 404, 'NOT_FOUND'],
    ['a wrong method', () => home.get('/credentials/issue'), 405, 'METHOD_NOT_ALLOWED'],
    ['status: unknown purpose', () => home.post('/credentials/status', { credentialId: schools.A.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'message', status: true }] }, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['status: not an attesto id', () => home.post('/credentials/status', { credentialId: 'urn:uuid:0b5c', credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token: token() }), 400, 'INVALID_CREDENTIAL_ID'],
    ['status: unknown credential', () => home.post('/credentials/status', { credentialId: `urn:attesto:${schools.A.uai}:1:3`, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token: token() }), 404, 'UNKNOWN_CREDENTIAL'],
    ['status: same purpose twice', () => home.post('/credentials/status', { credentialId: schools.A.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }, { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: false }] }, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['verify: empty body', () => home.post('/credentials/verify', {}), 400, 'VALIDATION_FAILED'],
    ['verify: a number', () => home.post('/credentials/verify', { verifiableCredential: 12 }), 400, 'VALIDATION_FAILED'],
    // Within the window asked (one fixed day), so that what refuses it is the partition it names.
    ['audit: a forged cursor', () => home.get(`/schools/${schools.A.uai}/audit?from=2026-11-22&to=2026-11-22&cursor=${Buffer.from(JSON.stringify({ day: '2026-11-22', start: { pk: `AUDIT#${schools.B.uai}#2026-11-22`, sk: 'x' } })).toString('base64url')}`, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['audit: a year past 9999 (it once never ended)', () => home.get(`/schools/${schools.A.uai}/audit?from=%2B275760-09-13&to=%2B275760-09-13`, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['audit: a cursor kept while the window changed', () => home.get(`/schools/${schools.A.uai}/audit?from=2026-11-22&to=2026-11-22&cursor=${Buffer.from(JSON.stringify({ day: '2026-11-22', start: { pk: `AUDIT#${schools.A.uai}#2026-11-22`, sk: 'zzzz' } })).toString('base64url')}`, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['audit: a window too wide', () => home.get(`/schools/${schools.A.uai}/audit?from=2020-01-01&to=2026-01-01`, { token: token() }), 400, 'VALIDATION_FAILED'],
    ['register: an invalid UAI', () => home.post('/schools', { uai: '0751234A', name: 'X' }, { token: JSON.parse(readFileSync(join(home.server.dataDir, 'operator.json'), 'utf8')).token }), 400, 'INVALID_UAI'],
    ['rotate a key: a mode that is none', () => home.post(`/schools/${schools.A.uai}/key-rotations`, { mode: 'later' }, { token: JSON.parse(readFileSync(join(home.server.dataDir, 'operator.json'), 'utf8')).token }), 400, 'VALIDATION_FAILED'],
    ['rotate a key: a school that is none', () => home.post('/schools/0690099H/key-rotations', { mode: 'scheduled' }, { token: JSON.parse(readFileSync(join(home.server.dataDir, 'operator.json'), 'utf8')).token }), 404, 'UNKNOWN_SCHOOL'],
    ["rotate a key: with a school's token", () => home.post(`/schools/${schools.A.uai}/key-rotations`, { mode: 'compromised' }, { token: token() }), 401, 'UNAUTHORIZED'],
    ["republish lists: with a school's token", () => home.post(`/schools/${schools.A.uai}/status-list-republications`, {}, { token: token() }), 401, 'UNAUTHORIZED'],
    ['verify a presentation: a misspelt challenge (it would go unchecked)', () => home.post('/presentations/verify', { verifiablePresentation: 'a.b.c', options: { chalenge: 'n-1', domain: 'https://rh.example.fr' } }), 400, 'VALIDATION_FAILED'],
    ['verify a presentation: returnPresentation true (it is not returned)', () => home.post('/presentations/verify', { verifiablePresentation: 'a.b.c', options: { challenge: 'n-1', returnPresentation: true } }), 400, 'VALIDATION_FAILED'],
    ['register: a taken UAI', () => home.post('/schools', { uai: schools.A.uai, name: 'X' }, { token: JSON.parse(readFileSync(join(home.server.dataDir, 'operator.json'), 'utf8')).token }), 409, 'SCHOOL_EXISTS'],
  ];

  it.each(cases.map(([name, send, status, code]) => ({ name, send, status, code })))('$name → $status $code, and nothing is written', async ({ send, status, code }) => {
    const before = await itemCount();
    expectProblem(await send(), status, code);
    expect(await itemCount()).toBe(before);
  });

  it('answers malformed credentials with {verified: false}, never 5xx', async () => {
    for (const vc of ['', 'a.b.c', 'e30.e30.e30', `${'A'.repeat(60_000)}`, { type: 'EnvelopedVerifiableCredential', id: 'data:application/vc+jwt,x.y.z' }]) {
      const res = await home.post('/credentials/verify', { verifiableCredential: vc });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ verified: false, errors: [expect.objectContaining({ code: 'MALFORMED_CREDENTIAL' })] });
    }
  });
});
