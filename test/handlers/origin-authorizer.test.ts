/**
 * The proof that a request came through CloudFront (and so through WAF): the header CloudFront
 * adds, checked against the current secret or, during a rotation, the previous one, which the
 * authorizers read from Secrets Manager (here a loopback stand-in that checks the request is signed).
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOriginAuthorizer } from '../../lambdas/handlers/origin-authorizer';
import { ORIGIN_HEADER, originSecrets, secretsManagerSource, throughOrigin } from '../../lambdas/http/origin-check';

const CURRENT = 'c'.repeat(24) + 'Qx7RwzT2pLm9vKd4sYb8NfHe';
const PREVIOUS = 'p'.repeat(24) + 'Ak3JvQ8mWz1rTn6YcXe5LuBo';
const NEXT = 'n'.repeat(24) + 'Rt5GhJ8kLq2WeXc7VbN4MzPa';

const event = (value?: string): APIGatewayRequestAuthorizerEventV2 =>
  ({ version: '2.0', type: 'REQUEST', routeKey: 'POST /credentials/verify', identitySource: value === undefined ? [] : [value], headers: value === undefined ? {} : { [ORIGIN_HEADER]: value } }) as unknown as APIGatewayRequestAuthorizerEventV2;

describe('a request through CloudFront', () => {
  const authorize = createOriginAuthorizer(async () => [CURRENT, PREVIOUS]);

  it('is let through with the current secret, or the previous one while a rotation reaches every edge', async () => {
    expect(await authorize(event(CURRENT))).toEqual({ isAuthorized: true });
    expect(await authorize(event(PREVIOUS))).toEqual({ isAuthorized: true });
  });

  it('is refused with anything else: no header, empty, a prefix, a longer value, another case', async () => {
    for (const value of [undefined, '', CURRENT.slice(0, -1), `${CURRENT}x`, CURRENT.toUpperCase(), ` ${CURRENT}`]) {
      expect((await authorize(event(value))).isAuthorized, String(value)).toBe(false);
    }
    expect(throughOrigin(CURRENT, [])).toBe(false);
  });

  it('logs each refusal, for the OriginRefused alarm, never with the value sent', async () => {
    const lines: [string, unknown][] = [];
    const logging = createOriginAuthorizer(async () => [CURRENT], { warn: (message: string, extra: unknown) => void lines.push([message, extra]) } as never);
    await logging(event(CURRENT));
    expect(lines).toEqual([]);
    await logging(event(NEXT));
    expect(lines).toEqual([['origin refused', { routeKey: 'POST /credentials/verify' }]]);
    expect(JSON.stringify(lines)).not.toContain(NEXT);
  });

  it('takes its values from the secret: a long current one, and a previous one only when long too', () => {
    expect(originSecrets({ current: CURRENT })).toEqual([CURRENT]);
    expect(originSecrets({ current: CURRENT, previous: PREVIOUS })).toEqual([CURRENT, PREVIOUS]);
    expect(originSecrets({ current: CURRENT, previous: '' })).toEqual([CURRENT]);
    expect(() => originSecrets({})).toThrow(/current/);
    expect(() => originSecrets({ current: 'short' })).toThrow(/at least 32/);
  });
});

describe('the secret, read from Secrets Manager', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A GetSecretValue stand-in answering `answer()`; records each request's target and signature. */
  async function secretsManager(answer: () => { status: number; value?: unknown }) {
    const calls: { target: string; authorization: string; body: string }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push({ target: String(req.headers['x-amz-target']), authorization: String(req.headers.authorization), body });
        const a = answer();
        res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(a.status === 200 ? { SecretString: JSON.stringify(a.value) } : { __type: 'InternalServiceError' }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { endpoint: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, calls };
  }
  const clock = { t: Date.parse('2026-11-22T10:00:00Z') };
  const failures: string[] = [];
  const source = (endpoint: string) =>
    secretsManagerSource({ secretId: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:attesto-origin', region: 'eu-west-3', endpoint, credentials: () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }), now: () => clock.t, onFailure: (e) => failures.push(e.message) });

  it('reads it with a signed GetSecretValue, keeps it 5 minutes, then reads it again: a rotation reaches the authorizers without a deployment', async () => {
    let value: unknown = { current: CURRENT, previous: '' };
    const sm = await secretsManager(() => ({ status: 200, value }));
    const secrets = source(sm.endpoint);
    expect(await Promise.all([secrets(), secrets(), secrets()])).toEqual([[CURRENT], [CURRENT], [CURRENT]]);
    expect(sm.calls).toHaveLength(1);
    expect(sm.calls[0]).toMatchObject({ target: 'secretsmanager.GetSecretValue', body: JSON.stringify({ SecretId: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:attesto-origin' }) });
    expect(sm.calls[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-west-3\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    value = { current: NEXT, previous: CURRENT };
    clock.t += 299_000;
    expect(await secrets()).toEqual([CURRENT]);
    clock.t += 1_000;
    expect(await secrets()).toEqual([NEXT, CURRENT]);
    expect(sm.calls).toHaveLength(2);
  });

  it('keeps the values it had when a read fails, and fails (rather than refuses everyone) when it never had any', async () => {
    let up = true;
    const sm = await secretsManager(() => (up ? { status: 200, value: { current: CURRENT } } : { status: 500 }));
    const secrets = source(sm.endpoint);
    up = false;
    await expect(secrets()).rejects.toThrow(/500/);
    up = true;
    clock.t += 1_000;
    expect(await secrets()).toEqual([CURRENT]);
    up = false;
    clock.t += 300_000;
    expect(await secrets()).toEqual([CURRENT]);
    // Tried again 30 s later, not at every request.
    const calls = sm.calls.length;
    clock.t += 10_000;
    await secrets();
    expect(sm.calls).toHaveLength(calls);
    clock.t += 20_000;
    await secrets();
    expect(sm.calls).toHaveLength(calls + 1);
  });

  it('reports a secret that is not its JSON without quoting it, and every failed read, warm or cold', async () => {
    const raw = 'Zq8sW1n3kLraw-value-pasted-by-hand-0123456789';
    let value: unknown = raw;
    const sm = await secretsManager(() => ({ status: 200, value }));
    // The stand-in sends JSON.stringify(value): a bare string is not the {current, previous} object.
    server!.removeAllListeners('request');
    server!.on('request', (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end(JSON.stringify({ SecretString: typeof value === 'string' ? value : JSON.stringify(value) })));
    });
    failures.length = 0;
    const secrets = source(sm.endpoint);
    const error = await secrets().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain(raw.slice(0, 6));
    expect(failures).toHaveLength(1);
    expect(failures[0]).not.toContain(raw.slice(0, 6));
    // Not tried again within the second: a cold instance's requests do not each wait on Secrets Manager.
    await expect(secrets()).rejects.toThrow();
    expect(failures).toHaveLength(1);
    clock.t += 1_000;
    value = { current: CURRENT };
    expect(await secrets()).toEqual([CURRENT]);
    // Warm: a failed refresh keeps the values, and is reported.
    value = raw;
    clock.t += 300_000;
    expect(await secrets()).toEqual([CURRENT]);
    expect(failures).toHaveLength(2);
  });
});
