/**
 * The job's retry rules against a service that answers as attesto's batch route does (a loopback
 * stand-in, so that each answer can be chosen): which item failures are resent and which are final.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mayBeIssued } from '../../lambdas/cli/issue-batch';
import { runIssueJob } from '../../lambdas/cli/issue-job';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A batch route whose answer for each item comes from `answer(id, call)`, after `delayMs`; records every call. */
async function service(answer: (id: string, call: number) => { status: number; code?: string }, delayMs = 0) {
  const calls: { key: string; ids: string[] }[] = [];
  const paths: string[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const ids = (JSON.parse(body) as { items: { id: string }[] }).items.map((i) => i.id);
      calls.push({ key: String(req.headers['idempotency-key']), ids });
      paths.push(String(req.url));
      const results = ids.map((id) => {
        const a = answer(id, calls.length);
        return a.status === 201 ? { id, status: 201, credentialId: `urn:x:${id}`, verifiableCredential: 'jws', replayed: false } : { id, status: a.status, problem: { code: a.code } };
      });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', ...(results.some((r) => r.status === 503) ? { 'retry-after': '1' } : {}) });
        res.end(JSON.stringify({ summary: {}, results }));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, calls, paths };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `row-${i}`, credential: {} }));

/** A batch route answering each call as `answer` says, from the ids it holds and its number (from 1): the calls' whole answers, where service() gives per-item ones. */
async function batchRoute(answer: (ids: string[], call: number, res: ServerResponse) => void): Promise<string> {
  let call = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => answer((JSON.parse(body) as { items: { id: string }[] }).items.map((i) => i.id), ++call, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const created = (ids: string[]) => ({ results: ids.map((id) => ({ id, status: 201, credentialId: `urn:x:${id}` })) });

describe('a job of batch calls', () => {
  it('resends only the items that failed with a retryable status (503, 409), under the job key, after Retry-After', async () => {
    const s = await service((id, call) => (call === 1 && (id === 'row-1' || id === 'row-2') ? { status: id === 'row-1' ? 503 : 409, code: 'X' } : { status: 201 }));
    const waits: number[] = [];
    const { progress } = await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0001', items: items(3), sleep: async (ms) => void waits.push(ms) });
    expect(progress).toMatchObject({ issued: 3, failed: 0, pending: 0, calls: 2 });
    expect(s.calls).toEqual([{ key: 'job-key-0001', ids: ['row-0', 'row-1', 'row-2'] }, { key: 'job-key-0001', ids: ['row-1', 'row-2'] }]);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
  });

  it('never resends an item refused for good: a disabled key (500 SIGNING_KEY_UNUSABLE) or an invalid item (400)', async () => {
    const s = await service((id) => (id === 'row-0' ? { status: 500, code: 'SIGNING_KEY_UNUSABLE' } : { status: 400, code: 'VALIDATION_FAILED' }));
    const { results, progress } = await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0002', items: items(2), sleep: async () => undefined });
    expect(s.calls).toHaveLength(1);
    expect(progress).toMatchObject({ issued: 0, failed: 2, pending: 0 });
    expect(results.get('row-0')).toMatchObject({ status: 500, problem: { code: 'SIGNING_KEY_UNUSABLE' } });
  });

  it('gives up on an item still failing after its call has waited two minutes, outlasting the service\'s 30 s takeover of a stopped request', async () => {
    const s = await service(() => ({ status: 409, code: 'IDEMPOTENCY_IN_PROGRESS' }));
    let waited = 0;
    const t0 = performance.now();
    const { results } = await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0003', items: items(1), sleep: async (ms) => void (waited += ms) });
    // The budget counts the calls' own time too (real, here), besides the waits (injected).
    expect(waited + (performance.now() - t0)).toBeGreaterThanOrEqual(120_000);
    expect(waited).toBeLessThanOrEqual(120_000 + 8_250); // at most one wait past the budget
    expect(results.get('row-0')).toMatchObject({ status: 409, problem: { code: 'IDEMPOTENCY_IN_PROGRESS' } });
  });

  it('counts the time its calls take, not only its waits, against the retry budget', async () => {
    const s = await service(() => ({ status: 503, code: 'STORE_UNAVAILABLE' }), 300);
    const { results } = await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0004', items: items(1), retryBudgetMs: 250, sleep: async () => undefined });
    // The first call alone took longer than the budget: no second one.
    expect(s.calls).toHaveLength(1);
    expect(results.get('row-0')).toMatchObject({ status: 503 });
  });

  it('resends a call whose 200 answer was cut short (no results): the items were perhaps issued, and the resend replays them', async () => {
    let calls = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
          res.write('{"summary":{},"results":[{"id":"row-0","sta');
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ id: 'row-0', status: 201, credentialId: 'urn:x:row-0', replayed: true }] }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { progress } = await runIssueJob({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', jobKey: 'job-key-0005', items: items(1), sleep: async () => undefined });
    expect(calls).toBe(2);
    expect(progress).toMatchObject({ issued: 1, replayed: 1, failed: 0 });
  });

  it('calls the batch route under the base URL\'s own path (a service behind https://host/attesto)', async () => {
    const s = await service(() => ({ status: 201 }));
    await runIssueJob({ baseUrl: `${s.url}/attesto/`, token: 't', jobKey: 'job-key-0006', items: items(1), sleep: async () => undefined });
    expect(s.paths).toEqual(['/attesto/credentials/issue/batch']);
  });

  it('resends the items an answer left out, and ignores results for items it did not send', async () => {
    let calls = 0;
    const url = await batchRoute((ids, call, res) => {
      calls = call;
      // The first answer forgets row-1 and names an item nobody sent.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(created(call === 1 ? [ids[0]!, 'row-99'] : ids)));
    });
    const { results, progress } = await runIssueJob({ baseUrl: url, token: 't', jobKey: 'job-key-0007', items: items(2), sleep: async () => undefined });
    expect(calls).toBe(2);
    expect(progress).toMatchObject({ issued: 2, failed: 0, pending: 0 });
    expect([...results.keys()].sort()).toEqual(['row-0', 'row-1']);
  });
});

describe('a job of batch calls, sized for the service', () => {
  it('cuts calls at the body size the service reads as well as at 100 items: long transcripts go in several calls, a huge item alone', async () => {
    const s = await service(() => ({ status: 201 }));
    const big = (id: string, kb: number) => ({ id, credential: { text: 'x'.repeat(kb * 1024) } });
    const { progress } = await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0101', items: [big('a', 30), big('b', 30), big('c', 30), big('d', 90), big('e', 1)], maxCallBytes: 64 * 1024, parallel: 1, sleep: async () => undefined });
    expect(s.calls.map((c) => c.ids)).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
    expect(progress).toMatchObject({ issued: 5, failed: 0 });
  });

  it('by default, sends 100 transcripts of 34 KiB each (valid items) in calls the service accepts, not one refused whole every run', async () => {
    const s = await service(() => ({ status: 201 }));
    await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0102', items: Array.from({ length: 100 }, (_, i) => ({ id: `row-${i}`, credential: { text: 'x'.repeat(34 * 1024) } })), sleep: async () => undefined });
    expect(s.calls.length).toBeGreaterThan(1);
    expect(s.calls.flatMap((c) => c.ids)).toHaveLength(100);
  });

  it('splits a call the service refuses as too large (its limit set lower), and sends each half', async () => {
    const calls: number[] = [];
    const url = await batchRoute((ids, _call, res) => {
      calls.push(ids.length);
      if (ids.length > 2) return res.writeHead(413, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code: 'BODY_TOO_LARGE' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(created(ids)));
    });
    const { progress, results } = await runIssueJob({ baseUrl: url, token: 't', jobKey: 'job-key-0103', items: items(5), sleep: async () => undefined });
    expect(progress).toMatchObject({ issued: 5, failed: 0, pending: 0 });
    expect([...results.keys()].sort()).toEqual(['row-0', 'row-1', 'row-2', 'row-3', 'row-4']);
    expect(calls[0]).toBe(5);
  });
});

describe('what a rerun within 24 hours may recover (the summary\'s rerunWithin24h)', () => {
  it('keeps an item as perhaps issued when an earlier call holding it got no answer, though its last attempt failed before signing', async () => {
    // Call 1 is processed, but its answer is lost (the connection drops); every later call is throttled by KMS.
    let calls = 0;
    const url = await batchRoute((ids, call, res) => {
      calls = call;
      if (call === 1) return void res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ results: ids.map((id) => ({ id, status: 503, problem: { code: 'SIGNER_UNAVAILABLE' } })) }));
    });
    const { results } = await runIssueJob({ baseUrl: url, token: 't', jobKey: 'job-key-0104', items: items(2), retryBudgetMs: 5_000, sleep: async () => undefined });
    expect(calls).toBeGreaterThan(2);
    for (const id of ['row-0', 'row-1']) {
      expect(results.get(id)).toMatchObject({ status: 503, problem: { code: 'SIGNER_UNAVAILABLE' }, maybeIssued: true });
      expect(mayBeIssued(results.get(id)!)).toBe(true);
    }
  });

  it('keeps the word of an earlier run (its results file) that an item may have been issued, unless issued now', async () => {
    const s = await service((id) => (id === 'row-0' ? { status: 503, code: 'SIGNER_UNAVAILABLE' } : { status: 201 }));
    const { results } = await runIssueJob({ baseUrl: s.url, token: 't', jobKey: 'job-key-0105', items: items(2), maybeIssued: ['row-0', 'row-1'], retryBudgetMs: 1, sleep: async () => undefined });
    expect(results.get('row-0')).toMatchObject({ status: 503, maybeIssued: true });
    expect(results.get('row-1')).toMatchObject({ status: 201 });
    expect(results.get('row-1')!.maybeIssued).toBeUndefined();
  });

  const line = (status: number, code?: string) => ({ id: 'row-0', status, ...(code ? { problem: { code } } : {}) }) as Parameters<typeof mayBeIssued>[0];
  it('counts an item issued under its id from another version of its line (422 IDEMPOTENCY_KEY_REUSED: an earlier answer was lost)', () => {
    expect(mayBeIssued(line(422, 'IDEMPOTENCY_KEY_REUSED'))).toBe(true);
    expect(mayBeIssued(line(422, 'OTHER'))).toBe(false);
  });
  it('counts items whose answer never came, a 5xx of unknown outcome, or a request held elsewhere (409)', () => {
    expect(mayBeIssued(line(0))).toBe(true);
    expect(mayBeIssued(line(502))).toBe(true);
    expect(mayBeIssued(line(503, 'STORE_UNAVAILABLE'))).toBe(true);
    expect(mayBeIssued(line(409, 'IDEMPOTENCY_IN_PROGRESS'))).toBe(true);
  });
  it('does not count items issued, refused for what they are, never signed, or never started', () => {
    expect(mayBeIssued(line(201))).toBe(false);
    expect(mayBeIssued(line(400, 'VALIDATION_FAILED'))).toBe(false);
    expect(mayBeIssued(line(503, 'SIGNER_UNAVAILABLE'))).toBe(false);
    expect(mayBeIssued(line(500, 'SIGNING_KEY_UNUSABLE'))).toBe(false);
    expect(mayBeIssued(line(503, 'BATCH_OUT_OF_TIME'))).toBe(false);
  });
});
