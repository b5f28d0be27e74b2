/**
 * Issuing a whole year group (thousands of credentials) as a client-side job over
 * POST /credentials/issue/batch: the items are cut into chunks of at most 100, each chunk is a
 * batch with its own Idempotency-Key (`<jobKey>-<chunk number>`), a few chunks are in flight at
 * once, and the job reports progress as results come in.
 *
 * Retry: items that failed with a retryable status (503 signer or store unavailable, 409 in
 * progress) are resent, alone, in the same chunk with the same key, after the Retry-After the
 * service gave, until they succeed or `maxRounds` is reached. Items that succeeded are never
 * resent (a resend would be replayed, not re-issued, but it would cost a KMS Sign). A chunk whose
 * call failed as a whole (network, 5xx) is resent as a whole: its committed items are replayed.
 * Items refused for what they are (4xx other than 409) are reported, not retried.
 *
 * Deterministic chunking and keys are what make the job itself restartable: run it again with
 * the same job key and items, and it completes what is missing without issuing anything twice.
 */

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
  problem?: { code: string; detail?: string };
}

export interface JobProgress {
  total: number;
  issued: number;
  failed: number;
  pending: number;
  /** Batch calls made so far, resends included. */
  calls: number;
}

export interface IssueJobOptions {
  baseUrl: string;
  token: string;
  /** 8 to 50 characters of A-Z a-z 0-9 . _ - ; the same key resumes the same job. */
  jobKey: string;
  items: JobItem[];
  chunkSize?: number;
  /** Batch calls in flight at once. Default 2. */
  parallel?: number;
  /** Resends of a chunk's retryable failures. Default 20. */
  maxRounds?: number;
  onProgress?: (p: JobProgress) => void;
  /** Injected by tests: the wait before a resend. */
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE = new Set([409, 429, 500, 502, 503, 504]);

interface Reply {
  status: number;
  retryAfter?: number;
  json?: { results?: JobItemResult[]; code?: string };
}

async function post(url: URL, token: string, key: string, body: string): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body,
  });
  const json = (await res.json().catch(() => undefined)) as Reply['json'];
  const ra = Number(res.headers.get('retry-after'));
  return { status: res.status, ...(Number.isFinite(ra) && ra > 0 ? { retryAfter: ra } : {}), json };
}

export async function runIssueJob(o: IssueJobOptions): Promise<{ results: Map<string, JobItemResult>; progress: JobProgress; seconds: number }> {
  if (!/^[A-Za-z0-9._-]{8,50}$/.test(o.jobKey)) throw new Error('jobKey must be 8 to 50 characters of A-Z a-z 0-9 . _ -');
  const chunkSize = Math.min(o.chunkSize ?? 100, 100);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const url = new URL('/credentials/issue/batch', o.baseUrl);
  const results = new Map<string, JobItemResult>();
  const progress: JobProgress = { total: o.items.length, issued: 0, failed: 0, pending: o.items.length, calls: 0 };
  const started = performance.now();

  const chunks: JobItem[][] = [];
  for (let i = 0; i < o.items.length; i += chunkSize) chunks.push(o.items.slice(i, i + chunkSize));

  const runChunk = async (index: number) => {
    const key = `${o.jobKey}-${index}`;
    let todo = chunks[index]!;
    for (let round = 0; todo.length > 0; round++) {
      let reply: Reply | undefined;
      try {
        progress.calls++;
        reply = await post(url, o.token, key, JSON.stringify({ items: todo }));
      } catch {
        reply = undefined; // network: resend the chunk as a whole
      }
      const last = round + 1 >= (o.maxRounds ?? 20);
      if (!reply || reply.status !== 200 || !reply.json?.results) {
        if (reply && !RETRYABLE.has(reply.status)) {
          // The whole chunk was refused (e.g. 400): every item of it fails for that reason.
          for (const item of todo) record({ id: item.id, status: reply.status, problem: { code: reply.json?.code ?? 'UNKNOWN' } });
          return;
        }
        if (last) {
          for (const item of todo) record({ id: item.id, status: reply?.status ?? 0, problem: { code: 'GAVE_UP' } });
          return;
        }
        await sleep(backoff(round, reply?.retryAfter));
        continue;
      }
      const again: JobItem[] = [];
      const byId = new Map(todo.map((i) => [i.id, i]));
      for (const r of reply.json.results) {
        if (r.status === 201) record(r);
        else if (RETRYABLE.has(r.status) && !last) again.push(byId.get(r.id)!);
        else record(r);
      }
      todo = again;
      if (todo.length > 0) await sleep(backoff(round, reply.retryAfter));
    }
  };

  function record(r: JobItemResult) {
    results.set(r.id, r);
    progress.pending--;
    if (r.status === 201) progress.issued++;
    else progress.failed++;
    o.onProgress?.({ ...progress });
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(o.parallel ?? 2, chunks.length) }, async () => {
      for (let i = next++; i < chunks.length; i = next++) await runChunk(i);
    }),
  );
  return { results, progress, seconds: (performance.now() - started) / 1000 };
}

/** The service's Retry-After when it gave one, with jitter so that chunks do not resend in step. */
function backoff(round: number, retryAfter?: number): number {
  const base = retryAfter !== undefined ? retryAfter * 1000 : Math.min(8000, 250 * 2 ** round);
  return base + Math.random() * 250;
}
