/**
 * The verifier's Lambda entry, called with API Gateway (HTTP API, payload 2.0) events as on AWS.
 * It serves `POST /credentials/verify` and `POST /presentations/verify` without a web framework,
 * so it must keep the contract the Hono groups keep: the same body checks and problem+json
 * answers, a verdict for every credential and never a 5xx that says more than "unexpected".
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeDeps, NO_WALLET } from '../../lambdas/composition';
import { loadConfig } from '../../lambdas/config';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { verifyLambda } from '../../lambdas/http/verify-lambda';
import { verifierFor } from '../../lambdas/verifiers';
import { apiGatewayEvent, type EventOptions } from '../helpers/apigw';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { issueRequest, NOW, SUBJECTS } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

type Entry = ReturnType<typeof verifyLambda>;
const config = loadConfig({ ATTESTO_PUBLIC_URL: PUBLIC_URL, ATTESTO_SIGNER: 'kms', ATTESTO_MAX_BODY_BYTES: '65536' });
let entry: Entry;
let jws: string;
let uai: string;
let store: Awaited<ReturnType<typeof startStore>>['store'];
let presentation: string;

beforeAll(async () => {
  ({ store } = await startStore());
  const deps = coreDeps(store);
  const { school } = await schoolWithToken(deps, '0751234', 'Lycée Victor Hugo');
  uai = school.uai;
  jws = (await issueCredential(deps, { school, actor: 't', request: issueRequest('DiplomaCredential') })).verifiableCredential as string;
  // A wallet presents a diploma issued to its did:jwk, for one employer and one nonce.
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const holder = `did:jwk:${Buffer.from(JSON.stringify(await exportJWK(publicKey))).toString('base64url')}`;
  const bound = (await issueCredential(deps, { school, actor: 't', request: issueRequest('DiplomaCredential', 'jwt_vc', { ...SUBJECTS.DiplomaCredential, id: holder }) })).verifiableCredential;
  presentation = await new SignJWT({ vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [bound] }, nonce: 'nonce-1234' })
    .setProtectedHeader({ alg: 'ES256', kid: `${holder}#0` })
    .setIssuer(holder)
    .setAudience('https://rh.example.fr')
    .setIssuedAt(Math.floor(NOW.getTime() / 1000))
    .sign(privateKey);
  entry = verifyLambda(composeDeps(config, { store, wallet: NO_WALLET, clock: () => NOW, verifier: (ctx) => verifierFor(config, ctx) }));
});

const event = (o: EventOptions = {}) => apiGatewayEvent({ path: '/credentials/verify', ...o });

const json = (r: APIGatewayProxyStructuredResultV2) => JSON.parse(r.body ?? '');
const verifyBody = (vc: unknown) => JSON.stringify({ verifiableCredential: vc });

describe('the verifier Lambda entry (POST /credentials/verify)', () => {
  it('answers 200 with the verification result for a genuine credential, never cached', async () => {
    const r = await entry(event({ body: verifyBody(jws) }));
    expect(r.statusCode).toBe(200);
    expect(r.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(json(r)).toMatchObject({ verified: true, checks: ['format', 'signature', 'validity', 'status', 'issuer', 'schema'], issuer: { uai, name: 'Lycée Victor Hugo' } });
  });

  it('goes by the route API Gateway matched, whatever prefix a stage or a custom domain puts on the path', async () => {
    const e = event({ body: verifyBody(jws) });
    const prefixed = { ...e, rawPath: '/v1/credentials/verify', requestContext: { ...e.requestContext, http: { ...e.requestContext.http, path: '/v1/credentials/verify' } } };
    const r = await entry(prefixed);
    expect(r.statusCode).toBe(200);
    expect(json(r).verified).toBe(true);
  });

  it('reads a base64-encoded body (API Gateway encodes bodies it does not take for text)', async () => {
    const r = await entry(event({ body: Buffer.from(verifyBody(jws)).toString('base64'), base64: true }));
    expect(r.statusCode).toBe(200);
    expect(json(r).verified).toBe(true);
  });

  it('answers 400 with the failed check for a tampered credential', async () => {
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.vc.credentialSubject.diploma = { ...payload.vc.credentialSubject.diploma, honours: 'Très bien' };
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const r = await entry(event({ body: verifyBody(forged) }));
    expect(r.statusCode).toBe(400);
    expect(json(r)).toMatchObject({ verified: false, errors: [{ code: 'SIGNATURE_INVALID', check: 'signature' }] });
  });

  it.each([
    ['a body that is not JSON by its media type', event({ body: verifyBody(jws), headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no media type at all', { ...event({ body: verifyBody(jws) }), headers: { host: 'attesto.test' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a declared length over the limit', event({ body: verifyBody(jws), headers: { 'content-length': '300000' } }), 413, 'BODY_TOO_LARGE'],
    ['a body over the limit, whatever its declared length', event({ body: verifyBody('x'.repeat(300_000)), headers: { 'content-length': '10' } }), 413, 'BODY_TOO_LARGE'],
    ['malformed JSON', event({ body: '{"verifiableCredential":' }), 400, 'INVALID_JSON'],
    ['malformed UTF-8', event({ body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), base64: true }), 400, 'INVALID_JSON'],
    ['no body', event(), 400, 'INVALID_JSON'],
    ['a body of the wrong shape', event({ body: JSON.stringify({ verifiableCredential: 12 }) }), 400, 'VALIDATION_FAILED'],
    ['another method on the route', event({ method: 'GET' }), 405, 'METHOD_NOT_ALLOWED'],
    ['another route', event({ path: '/credentials/issue', body: verifyBody(jws) }), 404, 'NOT_FOUND'],
  ])('refuses %s with problem+json', async (_name, e, status, code) => {
    const r = await entry(e);
    expect(r.statusCode).toBe(status);
    expect(r.headers).toMatchObject({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
    expect(json(r)).toMatchObject({ status, code, type: `urn:attesto:problem:${code.toLowerCase().replace(/_/g, '-')}` });
  });

  it('answers an event of another shape (a REST API v1 event) with a problem, not a crash', async () => {
    const { requestContext: _rc, ...rest } = event({ body: verifyBody(jws) });
    const r = await entry({ ...rest, requestContext: { requestId: 'r' } } as never);
    expect(r.statusCode).toBe(500);
    expect(json(r)).toMatchObject({ code: 'INTERNAL' });
  });

  it('answers an unexpected failure with a 500 that reveals nothing', async () => {
    const broken = verifyLambda(
      composeDeps(config, {
        store,
        wallet: NO_WALLET,
        clock: () => NOW,
        verifier: (ctx) => ({ ...verifierFor(config, ctx), findSchool: () => Promise.reject(new TypeError('secret detail of a bug')) }),
      }),
    );
    const r = await broken(event({ body: verifyBody(jws) }));
    expect(r.statusCode).toBe(500);
    expect(json(r)).toMatchObject({ code: 'INTERNAL' });
    expect(r.body).not.toContain('secret detail');
  });
});

describe('the verifier Lambda entry (POST /presentations/verify)', () => {
  const presentationEvent = (body: unknown, o: EventOptions = {}) => apiGatewayEvent({ path: '/presentations/verify', body: JSON.stringify(body), ...o });
  const options = { challenge: 'nonce-1234', domain: 'https://rh.example.fr' };

  it("answers 200 with the presentation's result and each credential's", async () => {
    const r = await entry(presentationEvent({ verifiablePresentation: presentation, options }));
    expect(r.statusCode).toBe(200);
    expect(r.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(json(r)).toMatchObject({ verified: true, credentials: [{ verified: true, issuer: { uai } }] });
  });

  it('answers 400 with the failed check for a presentation made for another request', async () => {
    const r = await entry(presentationEvent({ verifiablePresentation: presentation, options: { ...options, challenge: 'replayed' } }));
    expect(r.statusCode).toBe(400);
    expect(json(r)).toMatchObject({ verified: false, errors: [{ code: 'CHALLENGE_MISMATCH', check: 'challenge' }] });
  });

  it('reads bodies of two of the largest credentials, and refuses larger ones before parsing them', async () => {
    const big = await entry(presentationEvent({ verifiablePresentation: `${presentation}${' '.repeat(400_000)}`, options }));
    expect(big.statusCode).toBe(200);
    const huge = await entry(presentationEvent({ verifiablePresentation: '['.repeat(600_000) }));
    expect(huge.statusCode).toBe(413);
    expect(json(huge)).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('refuses a body of the wrong shape, and another method, with problems', async () => {
    const wrong = await entry(presentationEvent({ verifiablePresentation: presentation, options: { challenge: 12 } }));
    expect(wrong.statusCode).toBe(400);
    expect(json(wrong)).toMatchObject({ code: 'VALIDATION_FAILED' });
    const get = await entry(apiGatewayEvent({ method: 'GET', path: '/presentations/verify' }));
    expect(get.statusCode).toBe(405);
  });
});
