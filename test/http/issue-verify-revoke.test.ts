/**
 * The basic loop over real HTTP, through the exact Lambda handlers: a school issues, anyone
 * verifies, the school revokes, verification fails. What attesto signs is checked by
 * independent implementations: jose, did-jwt-vc and Digital Bazaar's status list decoder.
 */
import { decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { Resolver } from 'did-resolver';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { compactVerify, decodeJwt, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRequest, KIND_FORMAT_CASES, KINDS, maximalTranscriptSubject } from '../helpers/live-fixtures';
import { jwsOf, localHome } from '../helpers/http';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => Ajv2020;

let home: Awaited<ReturnType<typeof localHome>>;
let token: string;
let uai: string;

beforeAll(async () => {
  home = await localHome();
  ({ token, uai } = home.server.demo);
});
afterAll(() => home.server.close());

/** A did:web resolver written for this test, over the server's own HTTP route. */
function testResolver() {
  return new Resolver({
    web: async (did) => {
      const res = await home.get(`/schools/${did.split(':').pop()}/did.json`);
      return { didDocument: res.json, didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } };
    },
  });
}

async function publicKey() {
  const doc = (await home.get(`/schools/${uai}/did.json`)).json;
  return importJWK(doc.verificationMethod[0].publicKeyJwk, 'ES256');
}

describe.each(KIND_FORMAT_CASES)('%s as %s', (kind, format) => {
  let credentialId: string;
  let jws: string;
  let body: unknown;

  it('is issued: 201 with the credential', async () => {
    const res = await home.post('/credentials/issue', issueRequest(kind, format), { token });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ kind, format });
    credentialId = res.json.credentialId;
    jws = jwsOf(res.json.verifiableCredential);
    body = format === 'vc+jwt' ? { verifiableCredential: res.json.verifiableCredential } : { verifiableCredential: jws };
  });

  it('verifies with jose against the key in the school DID document', async () => {
    const { protectedHeader } = await compactVerify(jws, await publicKey(), { algorithms: ['ES256'] });
    expect(protectedHeader.typ).toBe(format === 'vc+jwt' ? 'vc+jwt' : 'JWT');
  });

  it('is verified by attesto: 200, every check, the issuing school named', async () => {
    const res = await home.post('/credentials/verify', body);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ verified: true, errors: [], issuer: { did: home.server.demo.did, uai, name: home.server.demo.name } });
    expect(res.json.checks).toHaveLength(6);
  });

  it('is revoked by its school, shows in the published list, and no longer verifies', async () => {
    const res = await home.post('/credentials/status', { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ credentialId, revoked: true });

    const entry = ((decodeJwt(jws).vc ?? decodeJwt(jws)) as { credentialStatus: { statusPurpose: string; statusListCredential: string; statusListIndex: string }[] }).credentialStatus.find((s) => s.statusPurpose === 'revocation')!;
    const list = await home.get(new URL(entry.statusListCredential).pathname);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe('application/vc+jwt');
    const { payload } = await compactVerify(list.text, await publicKey());
    const statusList = JSON.parse(new TextDecoder().decode(payload));
    expect(statusList.issuer).toBe(home.server.demo.did);
    expect((await decodeList({ encodedList: statusList.credentialSubject.encodedList })).getStatus(Number(entry.statusListIndex))).toBe(true);

    const again = await home.post('/credentials/verify', body);
    expect(again.status).toBe(400);
    expect(again.json.verified).toBe(false);
    expect(again.json.errors).toEqual([expect.objectContaining({ code: 'REVOKED', check: 'status' })]);
  });
});

describe("issue requests in the VC-API's own shape (IssueCredentialRequest)", () => {
  const withIssuer = (issuer: unknown) => {
    const r = issueRequest('DiplomaCredential');
    return { ...r, credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], ...r.credential, issuer } };
  };

  it("names the school as the credential's issuer, by its DID or an object with it as id: issued by that school", async () => {
    for (const issuer of [home.server.demo.did, { id: home.server.demo.did, name: 'Lycée' }, { id: home.server.demo.did, name: 'Lycée', image: { id: 'https://example.fr/logo.png', type: 'Image' } }]) {
      const res = await home.post('/credentials/issue', withIssuer(issuer), { token });
      expect(res.status, JSON.stringify(issuer)).toBe(201);
      expect(decodeJwt(jwsOf(res.json.verifiableCredential)).iss).toBe(home.server.demo.did);
    }
  });

  it('names another issuer: 400 naming the field, nothing issued', async () => {
    for (const issuer of ['did:web:attesto.test:schools:0130001F', { id: 'did:web:elsewhere.example' }, { name: 'Lycée' }, 42, { id: home.server.demo.did, image: { id: 'x', size: { w: 1 } } }]) {
      const res = await home.post('/credentials/issue', withIssuer(issuer), { token });
      expect(res.status, JSON.stringify(issuer)).toBe(400);
      expect(res.json, JSON.stringify(issuer)).toMatchObject({ code: 'VALIDATION_FAILED', errors: expect.arrayContaining([expect.objectContaining({ pointer: expect.stringMatching(/^\/credential\/issuer/) })]) });
    }
    // Nested deep inside an issuer that is the school's (5,000 levels, within the body limit): refused by the
    // schema, never a 500 from what reads the request after it.
    const deep = JSON.stringify(withIssuer({ id: home.server.demo.did, image: '@@' })).replace('"@@"', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
    const res = await home.post('/credentials/issue', undefined, { token, raw: deep, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('VALIDATION_FAILED');
  });
});

describe('status updates in the VC-API\'s own shape (UpdateCredentialStatusRequest)', () => {
  it('suspends, unsuspends and revokes with {credentialId, credentialStatus: {type, statusPurpose}, status}', async () => {
    const issued = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token });
    const { credentialId: id, verifiableCredential } = issued.json;
    const vcApi = (statusPurpose: string, status: boolean) => ({ credentialId: id, credentialStatus: { type: 'BitstringStatusList', statusPurpose }, status });
    expect((await home.post('/credentials/status', vcApi('suspension', true), { token })).json).toMatchObject({ credentialId: id, suspended: true, revoked: false });
    expect((await home.post('/credentials/verify', { verifiableCredential })).json.errors).toEqual([expect.objectContaining({ code: 'SUSPENDED' })]);
    expect((await home.post('/credentials/status', vcApi('suspension', false), { token })).json).toMatchObject({ suspended: false });
    expect((await home.post('/credentials/status', { ...vcApi('revocation', true), credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } }, { token })).json).toMatchObject({ revoked: true });
    expect((await home.post('/credentials/verify', { verifiableCredential })).json.errors).toEqual([expect.objectContaining({ code: 'REVOKED' })]);
    // The credential's own entry, copied as it is in the credential, is accepted; one naming another credential is refused.
    const index = String(id).split(':').at(-1);
    const list = String(id).split(':').at(-2);
    const own = { credentialId: id, credentialStatus: { id: `${home.server.url}/schools/${uai}/status-lists/suspension/${list}#${index}`, type: 'BitstringStatusListEntry', statusPurpose: 'suspension', statusListIndex: index, statusListCredential: `${home.server.url}/schools/${uai}/status-lists/suspension/${list}` }, status: false };
    expect((await home.post('/credentials/status', own, { token })).status).toBe(200); // already not suspended: nothing to change
    expect((await home.post('/credentials/status', { ...own, credentialStatus: { ...own.credentialStatus, id: `${own.credentialStatus.statusListCredential}#${(Number(index) + 1) % 131_072}` } }, { token })).json.code).toBe('VALIDATION_FAILED');
    // An entry naming another credential's index or list than credentialId is refused: the client meant another one.
    const otherIndex = String((Number(String(id).split(':').at(-1)) + 1) % 131_072);
    const other = { credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension', statusListIndex: otherIndex, statusListCredential: `${home.server.url}/schools/${uai}/status-lists/suspension/9` }, status: true };
    for (const body of [other, { ...other, credentialStatus: { ...other.credentialStatus, statusListCredential: undefined } }, { ...other, credentialStatus: { ...other.credentialStatus, statusListIndex: undefined } }]) {
      const res = await home.post('/credentials/status', JSON.parse(JSON.stringify(body)), { token });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('VALIDATION_FAILED');
    }
    // Mixed or partial shapes are refused, as any other bad body.
    for (const bad of [{ credentialId: id, credentialStatus: { type: 'BitstringStatusList', statusPurpose: 'revocation' } }, { ...vcApi('revocation', true), extra: 1 }, { credentialId: id, credentialStatus: [], status: true }]) {
      const res = await home.post('/credentials/status', bad, { token });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.json.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('did-jwt-vc verifies what attesto issues as VC Data Model 1.1', () => {
  it.each(KINDS)('%s', async (kind) => {
    const res = await home.post('/credentials/issue', issueRequest(kind, 'jwt_vc'), { token });
    const verified = await didJwtVcVerify(res.json.verifiableCredential, testResolver());
    expect(verified.issuer).toBe(home.server.demo.did);
    expect(verified.verifiableCredential.type).toContain(kind);
    expect(verified.verifiableCredential.id).toBe(res.json.credentialId);
  });
});

describe('public documents', () => {
  it('serves the DID document with its key as assertionMethod, cacheable, with ETag and 304', async () => {
    const res = await home.get(`/schools/${uai}/did.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/did+json');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(res.json.id).toBe(home.server.demo.did);
    expect(res.json.assertionMethod).toEqual([res.json.verificationMethod[0].id]);
    const etag = res.headers.get('etag')!;
    const cached = await home.get(`/schools/${uai}/did.json`, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
  });

  it('serves status lists with a short shared cache and revalidation', async () => {
    const res = await home.get(`/schools/${uai}/status-lists/suspension/1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect((await home.get(`/schools/${uai}/status-lists/suspension/1`, { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304);
    expect((await home.get(`/schools/${uai}/status-lists/suspension/99`)).status).toBe(404);
  });

  it('answers HEAD on every public document as GET, with its header fields and no body (RFC 9110 §9.3.2)', async () => {
    for (const path of [`/schools/${uai}/did.json`, `/schools/${uai}/status-lists/revocation/1`, `/schools/${uai}/status-lists/token/1`, '/schemas/diploma.json', '/vct/diploma', '/.well-known/openid-credential-issuer', '/openapi.json', '/health']) {
      const [get, head] = [await home.get(path), await home.call('HEAD', path)];
      expect([head.status, head.text], path).toEqual([200, '']);
      for (const field of ['content-type', 'cache-control', 'etag']) expect(head.headers.get(field), `${path} ${field}`).toBe(get.headers.get(field));
      // No Content-Length but the GET's (RFC 9110 §8.6): none, rather than a 0 that says the document is empty.
      expect(head.headers.get('content-length'), path).toBeNull();
      if (get.headers.get('etag')) expect((await home.call('HEAD', path, { headers: { 'if-none-match': get.headers.get('etag')! } })).status, path).toBe(304);
    }
    const refused = await home.call('HEAD', '/credentials/verify');
    expect([refused.status, refused.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await home.call('DELETE', `/schools/${uai}/did.json`)).headers.get('allow')).toBe('GET, HEAD');
  });

  it.each(['jwt_vc', 'vc+jwt', 'dc+sd-jwt'] as const)('verifies the largest transcript it issues (%s): whatever attesto signs, it reads back', async (format) => {
    const issued = await home.post('/credentials/issue', issueRequest('TranscriptCredential', format, maximalTranscriptSubject), { token: home.server.demo.token });
    expect(issued.status, issued.text).toBe(201);
    expect(JSON.stringify(issued.json.verifiableCredential).length).toBeGreaterThan(65_536);
    const verified = await home.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential });
    expect(verified.json).toMatchObject({ verified: true });
  });

  it('serves the schemas it validates with, and an OpenAPI description of every route', async () => {
    const { ROUTES } = await import('../../lambdas/http/routes');
    const openapi = (await home.get('/openapi.json')).json;
    for (const r of ROUTES) expect(openapi.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    // Every request body points at a schema the document holds.
    for (const r of ROUTES.filter((route) => route.body)) {
      const ref = openapi.paths[r.path][r.method.toLowerCase()].requestBody.content['application/json'].schema.$ref as string;
      expect(openapi.components.schemas[ref.replace('#/components/schemas/', '')], `${r.method} ${r.path} → ${ref}`).toBeDefined();
    }
    for (const name of ['enrollment', 'transcript', 'diploma', 'enrollment-credential', 'issue-request', 'verify-request']) {
      const res = await home.get(`/schemas/${name}.json`);
      expect(res.status, name).toBe(200);
      expect(res.json.$id).toBe(`${home.server.url}/schemas/${name}.json`);
    }
    expect(openapi.components.schemas.diploma.properties.level.properties.eqf).toMatchObject({ minimum: 1, maximum: 8 });
    // JSON Schema 2020-12, the version VC JSON Schema requires verifiers to support: a strict 2020-12
    // validator compiles each, and a credential issued validates against the schema it names.
    const ajv = new Ajv2020({ strict: true, strictTypes: false, allowUnionTypes: true });
    addFormats(ajv);
    const { publishedSchemas } = await import('../../lambdas/http/openapi');
    for (const name of Object.keys(publishedSchemas(home.server.url))) {
      const schema = (await home.get(`/schemas/${name}.json`)).json;
      expect(schema.$schema, name).toBe('https://json-schema.org/draft/2020-12/schema');
      ajv.compile(schema);
    }
    for (const format of ['jwt_vc', 'vc+jwt'] as const) {
      const issued = await home.post('/credentials/issue', issueRequest('TranscriptCredential', format), { token: home.server.demo.token });
      const payload = decodeJwt(jwsOf(issued.json.verifiableCredential));
      const credential = (payload.vc ?? payload) as { credentialSchema: { id: string; type: string } };
      expect(credential.credentialSchema.type).toBe('JsonSchema');
      const validate = ajv.getSchema(credential.credentialSchema.id)!;
      expect(validate(credential), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...credential, credentialSubject: 'none' })).toBe(false);
      expect(validate({ ...credential, type: ['VerifiableCredential'] })).toBe(false);
    }
    // The routes that make something answer 201, as documented.
    const created = ROUTES.filter((r) => '201' in openapi.paths[r.path][r.method.toLowerCase()].responses).map((r) => r.operationId);
    expect(created.sort()).toEqual(['createOffer', 'issueCredential', 'registerSchool', 'rotateKey']);
  });

  it('documents the headers, query parameters and error shapes the service holds its callers to', async () => {
    const openapi = (await home.get('/openapi.json')).json;
    const op = (path: string, method = 'post') => openapi.paths[path][method];
    const param = (path: string, name: string, method = 'post') => op(path, method).parameters?.find((p: { name: string }) => p.name === name);
    const token = home.server.demo.token;
    // A batch needs its Idempotency-Key; a single issuance may have one, in the documented shape.
    expect(param('/credentials/issue/batch', 'Idempotency-Key')).toMatchObject({ in: 'header', required: true });
    expect((await home.post('/credentials/issue/batch', { items: [] }, { token })).json.code).toBe('INVALID_IDEMPOTENCY_KEY');
    const single = param('/credentials/issue', 'Idempotency-Key');
    expect(single).toMatchObject({ in: 'header', required: false });
    for (const key of ['short', 'has space here', 'x'.repeat(129), 'a/b/c/d/e/f']) {
      expect(new RegExp(single.schema.pattern).test(key), key).toBe(false);
      expect((await home.post('/credentials/issue', issueRequest(), { token, headers: { 'idempotency-key': key } })).json.code, key).toBe('INVALID_IDEMPOTENCY_KEY');
    }
    expect(new RegExp(single.schema.pattern).test('inscription-2026:0001')).toBe(true);
    // The audit's query parameters, by name.
    expect(op('/schools/{uai}/audit', 'get').parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:uai', 'query:from', 'query:to', 'query:limit', 'query:cursor']);
    // The wallet's endpoints answer OAuth errors (RFC 6749 §5.2), as documented, not problem+json.
    for (const path of ['/token', '/credential']) {
      expect(op(path).responses.default.content, path).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } });
      const refused = await home.post(path, {});
      expect(refused.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(refused.json.error, path).toMatch(/^invalid_/);
    }
    expect(Object.keys(op('/token').requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    // A Bearer token, or a DPoP-bound one with its proof header (RFC 9449).
    expect(op('/credential').security).toEqual([{ walletAccessToken: [] }, { walletDpopToken: [] }]);
    for (const path of ['/token', '/credential']) expect(op(path).parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), path).toEqual(['header:DPoP']);
  });

  it('answers as its OpenAPI description says: each status documented, with its media type and a body its schema accepts', async () => {
    const openapi = (await home.get('/openapi.json')).json;
    const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
    addFormats(ajv);
    const token = home.server.demo.token;
    /** The answer, checked against the operation's documented response for its status. */
    const conforms = async (method: string, template: string, path: string, res: Awaited<ReturnType<typeof home.get>>) => {
      const documented = openapi.paths[template][method].responses;
      const response = documented[String(res.status)] ?? documented.default;
      const what = `${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`;
      expect(response, what).toBeDefined();
      if (res.status === 304) return expect(res.text, what).toBe('');
      const mediaType = res.headers.get('content-type')!.split(';')[0]!;
      const content = response.content?.[mediaType];
      expect(content, `${what}: ${mediaType} is not documented (${Object.keys(response.content ?? {})})`).toBeDefined();
      if (mediaType.endsWith('+jwt')) return expect(res.text, what).toMatch(new RegExp(content.schema.pattern));
      const validate = ajv.compile({ ...content.schema, components: openapi.components });
      expect(validate(res.json), `${what}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    for (const format of ['jwt_vc', 'vc+jwt', 'dc+sd-jwt'] as const) {
      const issued = await home.post('/credentials/issue', issueRequest('DiplomaCredential', format), { token });
      await conforms('post', '/credentials/issue', '/credentials/issue', issued);
      const verified = await home.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential });
      expect(verified.status).toBe(200);
      await conforms('post', '/credentials/verify', '/credentials/verify', verified);
      const status = await home.post('/credentials/status', { credentialId: issued.json.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token });
      await conforms('post', '/credentials/status', '/credentials/status', status);
      const revoked = await home.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential });
      expect(revoked.status).toBe(400);
      await conforms('post', '/credentials/verify', '/credentials/verify', revoked);
    }
    const refusals: [string, string, unknown][] = [
      ['/credentials/verify', '/credentials/verify', '{'],
      ['/presentations/verify', '/presentations/verify', { verifiablePresentation: 'a.b.c' }],
      ['/credentials/issue', '/credentials/issue', { credential: {} }],
    ];
    for (const [template, path, body] of refusals) {
      const res = typeof body === 'string' ? await home.call('POST', path, { raw: body, headers: { 'content-type': 'application/json' }, token }) : await home.post(path, body, { token });
      expect(res.status).toBeGreaterThanOrEqual(400);
      await conforms('post', template, path, res);
    }
    const offer = await home.post('/offers', { credential: issueRequest('EnrollmentCredential').credential }, { token });
    await conforms('post', '/offers', '/offers', offer);
    await conforms('post', '/offer-withdrawals', '/offer-withdrawals', await home.post('/offer-withdrawals', { offerId: offer.json.offerId }, { token }));
    await conforms('post', '/nonce', '/nonce', await home.post('/nonce', undefined));
    const uai = home.server.demo.uai;
    const documents: [string, string][] = [
      ['/schools/{uai}/did.json', `/schools/${uai}/did.json`],
      ['/schools/{uai}/status-lists/{purpose}/{list}', `/schools/${uai}/status-lists/revocation/1`],
      ['/schools/{uai}/status-lists/{purpose}/{list}', `/schools/${uai}/status-lists/token/1`],
      ['/.well-known/jwt-vc-issuer/schools/{uai}', `/.well-known/jwt-vc-issuer/schools/${uai}`],
      ['/vct/{name}', '/vct/diploma'],
      ['/schemas/{name}', '/schemas/diploma.json'],
      ['/health', '/health'],
      ['/schools/{uai}/audit', `/schools/${uai}/audit`],
      ['/.well-known/openid-credential-issuer/schools/{uai}', `/.well-known/openid-credential-issuer/schools/${uai}`],
      ['/schools/{uai}/did.json', '/schools/0000000A/did.json'],
    ];
    for (const [template, path] of documents) {
      const res = await home.get(path, { token });
      await conforms('get', template, path, res);
      const etag = res.headers.get('etag');
      if (etag) await conforms('get', template, path, await home.get(path, { headers: { 'if-none-match': etag } }));
    }
  });
});

describe('retries', () => {
  it('returns the same credential for the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'sis-export-2026-11-22-0001' };
    const first = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token, headers });
    const second = await home.post('/credentials/issue', issueRequest('DiplomaCredential'), { token, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.json.credentialId).toBe(first.json.credentialId);
    expect(decodeJwt(second.json.verifiableCredential)).toEqual(decodeJwt(first.json.verifiableCredential));
    const changed = await home.post('/credentials/issue', issueRequest('EnrollmentCredential'), { token, headers });
    expect(changed.status).toBe(422);
    expect(changed.json.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('audit', () => {
  it('lets the school read its own trail', async () => {
    const res = await home.get(`/schools/${uai}/audit`, { token });
    expect(res.status).toBe(200);
    const actions = new Set(res.json.events.map((e: { action: string }) => e.action));
    for (const a of ['school.registered', 'key.created', 'credential.issued', 'credential.revoked']) expect(actions.has(a), a).toBe(true);
  });
});
