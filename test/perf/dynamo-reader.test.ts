/**
 * The read-only store of the verify and documents functions: SigV4 as the AWS SDK signs, the
 * same records as DynamoStore, identical concurrent reads coalesced, retries on throttling and
 * 5xx only, and no way to write.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReader } from '../../lambdas/adapters/dynamo-reader';
import { signPost } from '../../lambdas/adapters/sigv4';
import { AttestoError } from '../../lambdas/core/errors';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import { coreDeps, schoolWithToken } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

describe('SigV4', () => {
  class Sha256 {
    private readonly h;
    constructor(secret?: unknown) {
      this.h = secret ? createHmac('sha256', secret as BinaryLike) : createHash('sha256');
    }
    update(data: unknown) {
      this.h.update(data as BinaryLike);
    }
    async digest() {
      return new Uint8Array(this.h.digest());
    }
  }

  it.each([
    ['with a session token (Lambda)', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE' }],
    ['without', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
  ])('signs a DynamoDB request exactly as the AWS SDK does, %s', async (_, credentials) => {
    const body = '{"TableName":"attesto","Key":{"pk":{"S":"SCHOOL#0750001U"},"sk":{"S":"SCHOOL"}},"ConsistentRead":true}';
    const now = new Date('2026-11-22T10:00:00Z');
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    };
    const sdkSign = async (signingDate: Date) => {
      const signed = await new SignatureV4({ credentials, region: 'eu-west-3', service: 'dynamodb', sha256: Sha256 as never }).sign(
        { method: 'POST', protocol: 'https:', hostname: 'dynamodb.eu-west-3.amazonaws.com', path: '/', query: {}, headers: { host: 'dynamodb.eu-west-3.amazonaws.com', ...headers }, body } as never,
        { signingDate },
      );
      return (signed as unknown as { headers: Record<string, string> }).headers.authorization;
    };
    const ours = signPost({ credentials, region: 'eu-west-3', service: 'dynamodb', host: 'dynamodb.eu-west-3.amazonaws.com', headers, body, now });
    expect(ours.authorization).toBe(await sdkSign(now));
    // A day later the signing key changes: the cached key must not be reused.
    const nextDay = signPost({ credentials, region: 'eu-west-3', service: 'dynamodb', host: 'dynamodb.eu-west-3.amazonaws.com', headers, body, now: new Date('2026-11-23T10:00:00Z') });
    expect(nextDay.authorization).toBe(await sdkSign(new Date('2026-11-23T10:00:00Z')));
    expect(nextDay.authorization).not.toBe(ours.authorization);
  });
});

describe('reading the table', () => {
  let env: Awaited<ReturnType<typeof startStore>>;
  let proxy: Server;
  let proxyUrl: string;
  /** Requests that reached the proxy, and canned answers to give instead of forwarding. */
  const seen: { target: string; authorization: string }[] = [];
  const canned: { status: number; body: string }[] = [];
  /** When set, an answer from the table is held (once received) until `release` is called. */
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];
  let deps: ReturnType<typeof coreDeps>;

  beforeAll(async () => {
    env = await startStore();
    deps = coreDeps(env.store);
    ({ school } = await schoolWithToken(deps, '0751234'));
    const target = new URL(env.endpoint);
    proxy = createServer((req, res) => {
      seen.push({ target: String(req.headers['x-amz-target']), authorization: String(req.headers.authorization) });
      const answer = canned.shift();
      if (answer) {
        req.resume();
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end(answer.body);
      }
      const up = request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', async () => {
          const held = hold;
          if (held) {
            hold = undefined;
            held.reached();
            await held.released;
          }
          res.writeHead(r.statusCode ?? 500, r.headers);
          res.end(Buffer.concat(chunks));
        });
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await env.close();
  });

  const reader = (o: Partial<ConstructorParameters<typeof DynamoReader>[0]> = {}) =>
    new DynamoReader({ table: 'attesto', region: 'eu-west-3', endpoint: proxyUrl, credentials: () => ({ accessKeyId: 'local', secretAccessKey: 'local' }), sleep: async () => undefined, ...o });

  it('reads the same records as DynamoStore, and nothing where there is nothing', async () => {
    const issued = await issueCredential(deps, { school, actor: 't', request: issueRequest() });
    const { slot } = parseCredentialId(issued.credentialId)!;
    await updateStatus(deps, { school, actor: 't', request: { credentialId: issued.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'suspension', status: true }] } });
    await issueCredential(deps, { school, actor: 't', request: issueRequest('DiplomaCredential'), idempotencyKey: 'reader-key-0001' });
    const r = reader();
    expect(await r.getSchool(school.uai)).toEqual(await env.store.getSchool(school.uai));
    expect(await r.getPublishedList(school.uai, 1, 'suspension')).toEqual(await env.store.getPublishedList(school.uai, 1, 'suspension'));
    expect(await r.getCredential(school.uai, slot)).toEqual(await env.store.getCredential(school.uai, slot));
    expect(await r.getFlags(school.uai, slot)).toEqual(await env.store.getFlags(school.uai, slot));
    expect(await r.getStatusSeq(school.uai, 1)).toBe(await env.store.getStatusSeq(school.uai, 1));
    expect(await r.getIdempotency(school.uai, 'reader-key-0001')).toEqual(await env.store.getIdempotency(school.uai, 'reader-key-0001'));
    expect(await r.isSlotFree(school.uai, slot)).toBe(false);
    expect(await r.getSchool('0000000A')).toBeUndefined();
    expect(await r.getPublishedList(school.uai, 99, 'revocation')).toBeUndefined();
    expect(await r.getStatusSeq(school.uai, 99)).toBe(0);
    expect(seen.at(-1)!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-3\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    r.close();
  });

  it('sends identical reads in flight together as one request, and the next read anew', async () => {
    const r = reader();
    const before = seen.length;
    const lists = await Promise.all(Array.from({ length: 20 }, () => r.getPublishedList(school.uai, 1, 'revocation')));
    expect(seen.length - before).toBe(1);
    expect(new Set(lists.map((l) => l!.jwt)).size).toBe(1);
    // Each caller has its own object: one cannot change what another reads.
    expect(lists[0]).not.toBe(lists[1]);
    await r.getPublishedList(school.uai, 1, 'revocation');
    expect(seen.length - before).toBe(2);
    r.close();
  });

  it('never gives a caller the answer to a request sent before it asked: a revocation answered is seen by the next read', async () => {
    const r = reader();
    const issued = await issueCredential(deps, { school, actor: 't', request: issueRequest() });
    const { slot } = parseCredentialId(issued.credentialId)!;
    const revokedIn = (flags: Awaited<ReturnType<typeof r.getFlags>>) => flags?.revokedAt !== undefined;
    let reached!: () => void;
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (reached = resolve));
    hold = { reached, released: new Promise<void>((resolve) => (release = resolve)) };
    const before = seen.length;
    // A read sent before the revocation, whose answer (not revoked) is slow to come back.
    const early = r.getFlags(school.uai, slot);
    await answered;
    await updateStatus(deps, { school, actor: 't', request: { credentialId: issued.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } });
    // Asked once the revocation is answered, while the early read is still in flight.
    const late = r.getFlags(school.uai, slot);
    const alsoLate = r.getFlags(school.uai, slot);
    release();
    expect(revokedIn(await early)).toBe(false);
    expect(revokedIn(await late)).toBe(true);
    expect(revokedIn(await alsoLate)).toBe(true);
    // The two late callers shared the one request sent after the early one ended.
    expect(seen.length - before).toBe(2);
    r.close();
  });

  it('retries throttling and server errors with backoff, then answers', async () => {
    const waits: number[] = [];
    const r = reader({ maxAttempts: 3, sleep: async (ms) => void waits.push(ms) });
    canned.push({ status: 400, body: '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}' }, { status: 500, body: '{"__type":"InternalServerError"}' });
    const before = seen.length;
    expect((await r.getSchool(school.uai))?.uai).toBe(school.uai);
    expect(seen.length - before).toBe(3);
    expect(waits).toHaveLength(2);
    r.close();
  });

  it('gives up as STORE_UNAVAILABLE (503, Retry-After) after its attempts, or at once on a client error', async () => {
    const r = reader({ maxAttempts: 2 });
    canned.push({ status: 500, body: '' }, { status: 503, body: '' });
    expect(await r.getSchool(school.uai).catch((e) => e)).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503, retryAfter: 1 });
    const before = seen.length;
    canned.push({ status: 400, body: '{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}' });
    expect(await r.getSchool(school.uai).catch((e) => e)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(seen.length - before).toBe(1);
    const down = new DynamoReader({ table: 'attesto', region: 'eu-west-3', endpoint: 'http://127.0.0.1:9', credentials: () => ({ accessKeyId: 'x', secretAccessKey: 'x' }), maxAttempts: 2, sleep: async () => undefined });
    expect(await down.getSchool(school.uai).catch((e) => e)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    r.close();
  });

  it('refuses every write', async () => {
    const r = reader();
    for (const attempt of [() => r.createSchool(school), () => r.putCredential({} as never), () => r.appendAudit({} as never), () => r.putPublishedList({} as never), () => r.reserveIdempotency({} as never)]) {
      const error = await attempt().catch((e) => e);
      expect(error).toBeInstanceOf(AttestoError);
      expect(error.code).toBe('INTERNAL');
    }
    r.close();
  });
});
