/**
 * Issuing a whole year group (thousands of credentials) as a client-side job over
 * POST /credentials/issue/batch: the items are cut into chunks of at most 100, a few chunks are
 * in flight at once, and the job reports progress as results come in.
 *
 * Keys: every chunk is sent with the job key as its Idempotency-Key, so each item's key on the
 * service is `batch/<job key>/<item id>` (lambdas/core/use-cases/issue-batch.ts), whatever chunk
 * the item falls in. Removing or adding a line of the file moves items between chunks; it must not
 * give them new keys, which would issue them a second time.
 *
 * Retry: items that failed with a retryable status (503 signer or store unavailable, 409 in
 * progress) are resent, alone, with the same key, after the Retry-After the service gave, until
 * they succeed or the chunk has waited `retryBudgetMs` in all. That budget outlasts the 30 s after
 * which the service takes over a reservation left by a stopped request. Items that succeeded are
 * never resent (a resend would be replayed, not re-issued, but it would cost a KMS Sign). A chunk
 * whose call failed as a whole (network, 5xx) is resent as a whole: its committed items are
 * replayed. Items refused for what they are (4xx other than 409) are reported, not retried.
 *
 * The service remembers item keys for 24 hours: within them, running the job again replays what
 * was issued. The results file (./issue-batch.ts) is what makes a later run safe.
 */
import { BATCH_KEY, BATCH_MAX_BODY_BYTES, MAX_BATCH_ITEMS } from '../core/batch-limits';

export interface JobItem {
  id: string;
  credential: unknown;
  options?: unknown;
}

export interface JobItemResult {
  id: string;
  status: number;
  credentialId?: string;
  verifiableCredential?: unknown;
  replayed?: boolean;
  problem?: { code: string; detail?: string; errors?: unknown };
  /**
   * Failed here, but an earlier call holding the item got no sure answer (no answer, a 5xx, the
   * item missing from the results, another request holding it): the service may have issued it.
   * Kept in the results file, so that a later run still knows.
   */
  maybeIssued?: boolean;
}

export interface JobProgress {
  total: number;
  /** Items answered 201, replays included. */
  issued: number;
  /** Of those, items the service had already issued under their key (the same credential again). */
  replayed: number;
  failed: number;
  pending: number;
  /** Batch calls made so far, resends included. */
  calls: number;
}

export interface IssueJobOptions {
  baseUrl: string;
  token: string;
  /** 8 to 63 characters of A-Z a-z 0-9 . _ - ; the same key resumes the same job. */
  jobKey: string;
  items: JobItem[];
  chunkSize?: number;
  /** Batch calls in flight at once. Default 2. */
  parallel?: number;
  /**
   * How long a chunk may go on (its waits and its calls) before giving up on its retryable
   * failures, ms. Default 120 s.
   */
  retryBudgetMs?: number;
  /** Asked before each call: true stops the job (what is not sent stays pending). */
  stop?: () => boolean;
  /** Aborts the calls in flight (their items stay pending: the service may have issued them). */
  abort?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Each item's final result, as soon as it is known (the caller saves it at once). */
  onResult?: (r: JobItemResult) => void;
  /** Injected by tests: the wait before a resend. */
  sleep?: (ms: number) => Promise<void>;
  /** Items an earlier run may have issued (its results file says so): they stay so unless issued now. */
  maybeIssued?: Iterable<string>;
  /** Bytes a call's body may hold; default the service's limit, less room for the envelope. */
  maxCallBytes?: number;
}

/** A call that failed as a whole with one of these (a stopped function, a gateway timeout) is resent. */
const RETRYABLE = new Set([409, 429, 500, 502, 503, 504]);
/** An item that failed with one of these is resent: in progress elsewhere, or a throttled signer or store. */
const RETRYABLE_ITEM = new Set([409, 429, 503]);

interface Reply {
  status: number;
  retryAfter?: number;
  json?: { results?: JobItemResult[]; code?: string; detail?: string; errors?: unknown };
}

/** Longest wait for one call's answer: API Gateway answers within 30 s, whatever the function does. */
const CALL_TIMEOUT_MS = 35_000;

async function post(url: URL, token: string, key: string, body: string, abort?: AbortSignal): Promise<Reply> {
  const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body,
    signal: abort ? AbortSignal.any([abort, timeout]) : timeout,
  });
  const json = (await res.json().catch(() => undefined)) as Reply['json'];
  const ra = Number(res.headers.get('retry-after'));
  return { status: res.status, ...(Number.isFinite(ra) && ra > 0 ? { retryAfter: ra } : {}), json };
}

export async function runIssueJob(o: IssueJobOptions): Promise<{ results: Map<string, JobItemResult>; progress: JobProgress; seconds: number; sent: Set<string> }> {
  if (!BATCH_KEY.test(o.jobKey)) throw new Error('the job key must be 8 to 63 characters of A-Z a-z 0-9 . _ -');
  const parallel = o.parallel ?? 2;
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error('parallel must be a whole number of at least 1');
  const chunkSize = Math.min(o.chunkSize ?? MAX_BATCH_ITEMS, MAX_BATCH_ITEMS);
  const maxCallBytes = o.maxCallBytes ?? BATCH_MAX_BODY_BYTES - 1024;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Under the base URL's own path, if it has one (a service behind https://host/attesto).
  const url = new URL(`${o.baseUrl.replace(/\/+$/, '')}/credentials/issue/batch`);
  const results = new Map<string, JobItemResult>();
  /** Items put in a call at least once: only those can have been issued. */
  const sent = new Set<string>();
  /** Items a call held without a sure answer for them: the service may have issued them. */
  const uncertain = new Set<string>(o.maybeIssued ?? []);
  const progress: JobProgress = { total: o.items.length, issued: 0, replayed: 0, failed: 0, pending: o.items.length, calls: 0 };
  const started = performance.now();

  // At most `chunkSize` items and `maxCallBytes` a call: 100 long transcripts would pass the
  // service's body limit (413), every run. An item larger than that on its own goes alone.
  const chunks: JobItem[][] = [];
  let chunk: JobItem[] = [];
  let bytes = 0;
  for (const item of o.items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (chunk.length > 0 && (chunk.length === chunkSize || bytes + size > maxCallBytes)) (chunks.push(chunk), (chunk = []), (bytes = 0));
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);

  const runChunk = async (index: number) => {
    let todo = chunks[index]!;
    // Time the chunk has taken: its waits (as asked, so that tests can sleep for nothing) and its calls.
    let waited = 0;
    const wait = async (ms: number) => {
      waited += ms;
      await sleep(ms);
    };
    const budget = o.retryBudgetMs ?? 120_000;
    while (todo.length > 0) {
      if (o.stop?.()) return;
      let reply: Reply | undefined;
      const calledAt = performance.now();
      try {
        progress.calls++;
        for (const item of todo) sent.add(item.id);
        reply = await post(url, o.token, o.jobKey, JSON.stringify({ items: todo }), o.abort);
      } catch {
        reply = undefined; // network: resend the chunk as a whole
      }
      // A service whose body limit is set lower than the default: the call is split, not failed.
      if (reply?.status === 413 && todo.length > 1) {
        const half = Math.ceil(todo.length / 2);
        chunks.push(todo.slice(half));
        todo = todo.slice(0, half);
        continue;
      }
      // No answer, a 5xx, another request holding the batch, an answer cut short: the service may
      // have issued any item of the call. (A 429 is the gateway's: the call never reached it.)
      if (!reply || (reply.status !== 200 && reply.status !== 429 && RETRYABLE.has(reply.status)) || (reply.status === 200 && !Array.isArray(reply.json?.results))) {
        for (const item of todo) uncertain.add(item.id);
      }
      waited += performance.now() - calledAt;
      if (o.abort?.aborted) return;
      const last = waited >= budget;
      if (!reply || reply.status !== 200 || !Array.isArray(reply.json?.results)) {
        // A 200 without its results (the answer cut short) is a network failure: the call is resent.
        if (reply && reply.status !== 200 && !RETRYABLE.has(reply.status)) {
          // The whole chunk was refused (e.g. 400): every item of it fails for that reason.
          const { code = 'UNKNOWN', detail, errors } = reply.json ?? {};
          for (const item of todo) record({ id: item.id, status: reply.status, problem: { code, ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) } });
          return;
        }
        if (last) {
          for (const item of todo) record({ id: item.id, status: reply?.status ?? 0, problem: { code: 'GAVE_UP', detail: `still failing after ${Math.round(waited / 1000)} s of retries (last: ${reply ? `HTTP ${reply.status}` : 'no answer'})` } });
          return;
        }
        await wait(backoff(waited, reply?.retryAfter));
        continue;
      }
      const again: JobItem[] = [];
      const byId = new Map(todo.map((i) => [i.id, i]));
      for (const r of reply.json!.results!) {
        // Only results for items of this call, once each: anything else in an answer is not ours to record.
        const item = byId.get(r.id);
        if (!item) continue;
        byId.delete(r.id);
        if (r.status !== 201 && mayHaveCommitted(r)) uncertain.add(r.id);
        if (r.status === 201) record(r);
        else if (RETRYABLE_ITEM.has(r.status) && !last) again.push(item);
        else record(r);
      }
      // Items the answer says nothing about are resent, as after a lost answer.
      for (const item of byId.values()) {
        uncertain.add(item.id);
        if (!last) again.push(item);
        else record({ id: item.id, status: 0, problem: { code: 'GAVE_UP', detail: 'the answers never included this item' } });
      }
      todo = again;
      if (todo.length > 0) await wait(backoff(waited, reply.retryAfter));
    }
  };

  function record(result: JobItemResult) {
    const r = result.status !== 201 && uncertain.has(result.id) ? { ...result, maybeIssued: true } : result;
    results.set(r.id, r);
    progress.pending--;
    if (r.status === 201) {
      progress.issued++;
      if (r.replayed) progress.replayed++;
    } else progress.failed++;
    o.onResult?.(r);
    o.onProgress?.({ ...progress });
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, chunks.length) }, async () => {
      for (let i = next++; i < chunks.length && !o.stop?.(); i = next++) await runChunk(i);
    }),
  );
  return { results, progress, seconds: (performance.now() - started) / 1000, sent };
}

/**
 * The service's Retry-After when it gave one, else a wait that doubles as the chunk's waits add
 * up (250 ms to 8 s), with jitter so that chunks do not resend in step.
 */
function backoff(waited: number, retryAfter?: number): number {
  const base = retryAfter !== undefined ? retryAfter * 1000 : Math.min(8000, Math.max(250, waited));
  return base + Math.random() * 250;
}

/**
 * An item failure that may come after the item's credential was committed: a store failure (the
 * write may have landed), a request holding the item (409), an answer cut short, or the item's key
 * already used for another version of its line (422 IDEMPOTENCY_KEY_REUSED: that one was issued).
 * Not one that failed before it could be (the signer, out of time), nor one refused for what it is (4xx).
 */
export function mayHaveCommitted(r: Pick<JobItemResult, 'status' | 'problem'>): boolean {
  if (r.status === 201) return false;
  if (isReusedKey(r)) return true;
  if (r.status >= 400 && r.status < 500 && r.status !== 409 && r.status !== 429) return false;
  return !['SIGNER_UNAVAILABLE', 'SIGNING_KEY_UNUSABLE', 'BATCH_OUT_OF_TIME'].includes(r.problem?.code ?? '');
}

/** The service holds a credential for this id under the job key, made from another version of the line. */
export const isReusedKey = (r: Pick<JobItemResult, 'status' | 'problem'>) => r.status === 422 && r.problem?.code === 'IDEMPOTENCY_KEY_REUSED';
