/**
 * The read-only store of the verify and documents functions: SigV4 as the AWS SDK signs, the
 * same records as DynamoStore, the reads asked for together sent as one BatchGetItem (never joining
 * one sent before they asked), retries on throttling and 5xx and of keys left unprocessed, within
 * one budget, and no way to write.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReader } from '../../lambdas/adapters/dynamo-reader';
import { signPost } from '../../lambdas/adapters/sigv4';
import { AttestoError } from '../../lambdas/core/errors';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { issueCredential, reservationKey } from '../../lambdas/core/use-cases/issue-credential';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
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
  const seen: { target: string; authorization: string; keys: string[] }[] = [];
  type Keys = { pk: { S: string }; sk: { S: string } }[];
  const canned: { status: number; body: string | ((keys: Keys) => string) }[] = [];
  /** When set, an answer from the table is held (once received) until `release` is called. */
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];
  let deps: ReturnType<typeof coreDeps>;

  beforeAll(async () => {
    env = await startStore();
    deps = coreDeps(env.store);
    ({ school } = await schoolWithToken(deps, '0751234'));
    const target = new URL(env.endpoint);
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const keys = (JSON.parse(body.toString('utf8')).RequestItems?.attesto?.Keys ?? []) as { pk: { S: string }; sk: { S: string } }[];
      seen.push({ target: String(req.headers['x-amz-target']), authorization: String(req.headers.authorization), keys: keys.map((k) => `${k.pk.S} ${k.sk.S}`) });
      const answer = canned.shift();
      if (answer) {
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end(typeof answer.body === 'function' ? answer.body(keys) : answer.body);
      }
      const up = request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (r) => {
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
      up.end(body);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await env.close();
  });

  const reader = (o: Partial<ConstructorParameters<typeof DynamoReader>[0]> = {}) =>
    new DynamoReader({ table: 'attesto', region: 'eu-west-3', endpoint: proxyUrl, credentials: () => ({ accessKeyId: env.accessKeyId, secretAccessKey: 'local' }), sleep: async () => undefined, ...o });

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
    expect(await r.getIdempotency(school.uai, reservationKey('reader-key-0001'))).toEqual(await env.store.getIdempotency(school.uai, reservationKey('reader-key-0001')));
    expect(await r.getIdempotency(school.uai, reservationKey('reader-key-0001'))).toMatchObject({ state: 'complete' });
    expect(await r.isSlotFree(school.uai, slot)).toBe(false);
    expect(await r.getSchool('0000000A')).toBeUndefined();
    expect(await r.getPublishedList(school.uai, 99, 'revocation')).toBeUndefined();
    expect(await r.getStatusSeq(school.uai, 99)).toBe(0);
    expect(seen.at(-1)!.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${env.accessKeyId}/\\d{8}/eu-west-3/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$`));
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

  it('reads the items asked for together in one BatchGetItem: a verification fetches its two status lists in one request', async () => {
    const r = reader();
    const before = seen.length;
    const [revocation, suspension, missing, record] = await Promise.all([
      r.getPublishedList(school.uai, 1, 'revocation'),
      r.getPublishedList(school.uai, 1, 'suspension'),
      r.getPublishedList(school.uai, 99, 'revocation'),
      r.getSchool(school.uai),
    ]);
    expect(seen.slice(before).map((x) => x.target)).toEqual(['DynamoDB_20120810.BatchGetItem']);
    expect(seen.at(-1)!.keys).toHaveLength(4);
    expect(revocation).toEqual(await env.store.getPublishedList(school.uai, 1, 'revocation'));
    expect(suspension).toEqual(await env.store.getPublishedList(school.uai, 1, 'suspension'));
    expect(revocation!.jwt).not.toBe(suspension!.jwt);
    expect(missing).toBeUndefined();
    expect(record).toEqual(await env.store.getSchool(school.uai));

    const jws = (await issueCredential(deps, { school, actor: 't', request: issueRequest() })).verifiableCredential as string;
    const verify = verifySources({ store: r, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
    const mark = seen.length;
    expect((await verifyCredential(verify, jws)).verified).toBe(true);
    // The issuer's record (its key), then both lists at once.
    expect(seen.slice(mark).map((x) => x.keys.sort())).toEqual([[`SCHOOL#${school.uai} SCHOOL`], [`STATUS#${school.uai}#1 VC#revocation`, `STATUS#${school.uai}#1 VC#suspension`]]);
    r.close();
  });

  it('reads again, after a backoff, the keys DynamoDB left unprocessed, and answers each caller its own item', async () => {
    const waits: number[] = [];
    const r = reader({ sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
    const schoolKey = { pk: { S: `SCHOOL#${school.uai}` }, sk: { S: 'SCHOOL' } };
    const listKey = { pk: { S: `STATUS#${school.uai}#1` }, sk: { S: 'VC#revocation' } };
    const stored = (await env.store.getSchool(school.uai))!;
    // The school comes back; the list is left unprocessed (throttled), then read by the next request.
    canned.push({ status: 200, body: JSON.stringify({ Responses: { attesto: [{ ...schoolKey, uai: { S: school.uai }, name: { S: stored.name } }] }, UnprocessedKeys: { attesto: { Keys: [listKey], ConsistentRead: true } } }) });
    const before = seen.length;
    const [record, list] = await Promise.all([r.getSchool(school.uai), r.getPublishedList(school.uai, 1, 'revocation')]);
    expect(record).toEqual({ uai: school.uai, name: stored.name });
    expect(list).toEqual(await env.store.getPublishedList(school.uai, 1, 'revocation'));
    expect(seen.slice(before).map((x) => x.keys.length)).toEqual([2, 1]);
    expect(seen.at(-1)!.keys).toEqual([`STATUS#${school.uai}#1 VC#revocation`]);
    expect(waits).toEqual([25]);
    r.close();
  });

  it('gives up on keys left unprocessed after its attempts as STORE_UNAVAILABLE, and still answers the others', async () => {
    const r = reader({ maxAttempts: 2 });
    const unprocessed = (keys: Keys) => JSON.stringify({ Responses: { attesto: [] }, UnprocessedKeys: { attesto: { Keys: keys.filter((k) => k.sk.S !== 'SCHOOL') } } });
    canned.push({ status: 200, body: unprocessed }, { status: 200, body: unprocessed });
    const [record, list] = await Promise.allSettled([r.getSchool('0000000A'), r.getPublishedList(school.uai, 1, 'revocation')]);
    // Neither returned nor unprocessed: no such school.
    expect(record).toEqual({ status: 'fulfilled', value: undefined });
    expect(list).toMatchObject({ status: 'rejected', reason: { code: 'STORE_UNAVAILABLE', status: 503, retryAfter: 1 } });
    // A failed read does not hold up the next one.
    expect((await r.getPublishedList(school.uai, 1, 'revocation'))?.jwt).toBeTypeOf('string');
    r.close();
  });

  it('reads more items than one BatchGetItem may hold in several requests of at most 100 keys', async () => {
    const r = reader();
    const before = seen.length;
    const lists = await Promise.all(Array.from({ length: 250 }, (_, i) => r.getPublishedList(school.uai, i + 1, 'revocation')));
    expect(lists[0]?.jwt).toBeTypeOf('string');
    expect(lists.slice(1).every((l) => l === undefined)).toBe(true);
    // Sent together; the proxy may see them in any order.
    expect(seen.slice(before).map((x) => x.keys.length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
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

  it('holds back only the item in flight: another item is read at once, whatever holds the first', async () => {
    const r = reader({ timeoutMs: 60_000 });
    let reached!: () => void;
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (reached = resolve));
    hold = { reached, released: new Promise<void>((resolve) => (release = resolve)) };
    // A list read whose answer is held (as a request frozen with its Lambda instance would be).
    let slowDone = false;
    const slow = r.getPublishedList(school.uai, 1, 'revocation').finally(() => (slowDone = true));
    await answered;
    expect((await r.getSchool(school.uai))?.uai).toBe(school.uai);
    expect(slowDone).toBe(false);
    release();
    expect((await slow)?.jwt).toBeTypeOf('string');
    r.close();
  });

  it('counts every request of a read against one budget, failed or leaving keys unprocessed', async () => {
    const r = reader({ maxAttempts: 3 });
    const unprocessed = (keys: Keys) => JSON.stringify({ Responses: { attesto: [] }, UnprocessedKeys: { attesto: { Keys: keys } } });
    canned.push({ status: 500, body: '' }, { status: 200, body: unprocessed }, { status: 503, body: '' }, { status: 200, body: unprocessed });
    const before = seen.length;
    expect(await r.getSchool(school.uai).catch((e) => e)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(seen.length - before).toBe(3);
    canned.length = 0;
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
