/**
 * The local home's embedded store (dynalite on loopback) answers only the home and its CLI: dynalite
 * itself checks no signature and answers any web origin, so without a lock any local user, or any
 * page open in a browser, could read the schools' records and rewrite a school's token hash.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../lambdas/adapters/dynamo/create-table';
import { signPost } from '../../lambdas/adapters/sigv4';
import { startDynalite, type EmbeddedDynamo } from '../../lambdas/local/dynalite';

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
  await ensureTable({ region: 'eu-west-3', endpoint: dynamo.endpoint, credentials: { accessKeyId: dynamo.accessKeyId, secretAccessKey: 'x' } }, 'attesto');
});
afterAll(() => dynamo.close());

/** A DynamoDB JSON-protocol call, signed with `accessKeyId` (any secret: dynalite checks no signature), with extra or replaced headers. */
function call(o: { accessKeyId?: string; headers?: Record<string, string>; method?: string; target?: string; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(dynamo.endpoint);
  const body = o.body ?? JSON.stringify({ TableName: 'attesto', Key: { pk: { S: 'SCHOOL#0750001U' }, sk: { S: 'SCHOOL' } } });
  const signed = signPost({
    credentials: { accessKeyId: o.accessKeyId ?? dynamo.accessKeyId, secretAccessKey: 'anything' },
    region: 'eu-west-3',
    service: 'dynamodb',
    host: url.host,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${o.target ?? 'GetItem'}` },
    body,
    now: new Date(),
  });
  return new Promise((resolve, reject) => {
    const req = request({ hostname: url.hostname, port: url.port, method: o.method ?? 'POST', path: '/', headers: { ...signed, ...o.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(o.method === 'OPTIONS' || o.method === 'GET' ? undefined : body);
  });
}

describe('the embedded store', () => {
  it("answers a call signed with this run's access key id", async () => {
    const answer = await call({});
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({});
  });

  it('refuses any other access key id, a missing Authorization, and one without a SigV4 credential, as DynamoDB refuses an unknown key', async () => {
    const other = `LOCAL${'0'.repeat(48)}`;
    for (const attempt of [{ accessKeyId: 'local' }, { accessKeyId: other }, { accessKeyId: `${dynamo.accessKeyId}X` }, { accessKeyId: dynamo.accessKeyId.slice(0, -1) }, { headers: { authorization: '' } }, { headers: { authorization: `Bearer ${dynamo.accessKeyId}` } }]) {
      const answer = await call(attempt);
      expect([answer.status, JSON.parse(answer.body).__type], JSON.stringify(attempt)).toEqual([403, 'com.amazon.coral.service#UnrecognizedClientException']);
    }
  });

  it("refuses what a browser page would send, even with the run's key: an Origin, a CORS preflight, another Host (DNS rebinding), a GET", async () => {
    const attempts: Parameters<typeof call>[0][] = [
      { headers: { origin: 'https://evil.example' } },
      { headers: { origin: 'null' } },
      { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-target' } },
      { headers: { host: `evil.example:${new URL(dynamo.endpoint).port}` } },
      { method: 'GET' },
    ];
    for (const attempt of attempts) {
      const answer = await call(attempt);
      expect(answer.status, JSON.stringify(attempt)).toBe(403);
      expect(answer.headers['access-control-allow-origin'], JSON.stringify(attempt)).toBeUndefined();
    }
  });

  it('makes a new access key id for every run, never the well-known "local"', async () => {
    const second = await startDynalite();
    try {
      expect(second.accessKeyId).toMatch(/^LOCAL[0-9A-F]{48}$/);
      expect(second.accessKeyId).not.toBe(dynamo.accessKeyId);
    } finally {
      await second.close();
    }
  });
});
