/**
 * `attesto issue-batch`: a school issues a whole class or year group from a JSON Lines file (one
 * `{"id", "credential", "options"?}` per line), as a job of batch calls with progress.
 *
 * The results file (JSON Lines, readable by its owner only) holds the credentials, and the service
 * keeps none of them: it is written as each result comes in, by one run at a time, never loses a
 * credential it holds, and is read back at the next run. Running the same command again sends
 * only the items that have no credential in it yet, so an item issued is never issued again. An
 * item whose answer never came (the job stopped, the network failed) may have been issued all the
 * same: the service gives it back to a run within 24 hours (same job key); after that, a run
 * would issue it anew. The summary counts those items (`rerunWithin24h`).
 */
import { appendFileSync, chmodSync, closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { processAlive } from '../local/data-dir';
import { canonicalDigest } from '../core/hash';
import * as validate from '../core/generated/validators';
import { check } from '../core/validation';
import { defaultDataDir, paths, readJsonFile } from '../local/data-dir';
import { runIssueJob, type JobItem, type JobItemResult } from './issue-job';

export interface IssueBatchCommand {
  file: string;
  job: string;
  url?: string;
  out?: string;
  parallel?: number;
}

/** A line of the results file: an item's result, and the digest of the item it was for. */
type ResultLine = JobItemResult & { itemDigest?: string };

function readItems(file: string): JobItem[] {
  const items: JobItem[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (!line.trim()) return;
    let item: JobItem;
    try {
      item = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${n + 1}: not JSON`);
    }
    if (typeof item?.id !== 'string' || typeof item.credential !== 'object') throw new Error(`${file}:${n + 1}: each line needs an "id" and a "credential"`);
    items.push(item);
  });
  if (new Set(items.map((i) => i.id)).size !== items.length) throw new Error(`${file}: item ids must be unique`);
  return items;
}

/**
 * The results of earlier runs, by item id. A credential is never forgotten: once an item has a
 * 201 line, a later failure line for it (a run that could not reach the service) does not replace it.
 */
function readResults(out: string, into = new Map<string, ResultLine>()): Map<string, ResultLine> {
  if (!existsSync(out)) return into;
  const text = readFileSync(out, 'utf8');
  const lines = text.split('\n');
  lines.forEach((line, n) => {
    if (!line.trim()) return;
    let r: ResultLine;
    try {
      r = JSON.parse(line);
    } catch {
      // A last line cut short (a run stopped while writing it) held no credential yet: its item is sent again.
      if (n === lines.length - 1 && !text.endsWith('\n')) return;
      throw new Error(`${out}:${n + 1}: not JSON. Repair it (one JSON result per line) before running again: it may hold credentials attesto does not keep, and moving it away would have them issued again`);
    }
    if (typeof r?.id !== 'string') throw new Error(`${out}:${n + 1}: a result line without an "id"`);
    if (into.get(r.id)?.status !== 201) into.set(r.id, r);
  });
  return into;
}

/**
 * One run at a time writes a results file: two would each rewrite it from what they know and drop
 * the other's credentials. The lock names its run; one left by a run that died is taken over.
 */
function lockResults(out: string): () => void {
  const lock = `${out}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new Error(`cannot write next to ${out} (${code ?? (e as Error).message}): nothing was sent`);
      if (attempt > 0) throw e;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) throw new Error(`${out} is being written by another run (pid ${holder}): wait for it to end`);
      rmSync(lock, { force: true });
    }
  }
}

/** Writes the whole file at once (a new file, then renamed over the old one), owner-only. */
function writeResults(out: string, lines: ResultLine[]) {
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''), { mode: 0o600 });
  renameSync(tmp, out);
}

export async function issueBatchCommand(cmd: IssueBatchCommand): Promise<number> {
  const parallel = cmd.parallel ?? 2;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new Error('--parallel must be a whole number from 1 to 16');
  const items = readItems(cmd.file);
  // Locally: the running home and its demo school, unless told otherwise.
  const demo = readJsonFile<{ url: string; token: string }>(paths(defaultDataDir()).demo);
  const localUrl = readJsonFile<{ url: string }>(paths(defaultDataDir()).runtime)?.url ?? demo?.url;
  const baseUrl = cmd.url ?? localUrl;
  // The demo school's token is only ever sent to the local home it belongs to, never to a --url elsewhere.
  const sameOrigin = (a: string, b: string | undefined) => b !== undefined && new URL(a).origin === new URL(b).origin;
  const token = process.env.ATTESTO_TOKEN ?? (baseUrl && sameOrigin(baseUrl, localUrl) ? demo?.token : undefined);
  if (!baseUrl || !token) throw new Error('set --url and the school token in ATTESTO_TOKEN (or run it next to a local home)');
  const out = cmd.out ?? `${cmd.file.replace(/\.jsonl?$/, '')}.results.jsonl`;

  const unlock = lockResults(out);
  try {
    return await run(cmd, { items, baseUrl, token, out, parallel });
  } finally {
    unlock();
  }
}

async function run(cmd: IssueBatchCommand, o: { items: JobItem[]; baseUrl: string; token: string; out: string; parallel: number }): Promise<number> {
  const { items, baseUrl, token, out, parallel } = o;
  const earlier = readResults(out);
  // Made (or opened) before anything is sent: a file that cannot be written must not lose what the
  // service issues. A last line cut short (no credential in it: readResults skipped it) is cut off,
  // so that the lines written next are lines of their own.
  const bytes = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) truncateSync(out, bytes.lastIndexOf(0x0a) + 1);
  appendFileSync(out, '', { mode: 0o600 });
  chmodSync(out, 0o600);
  let writeFailed: Error | undefined;
  let unsaved = 0;
  const save = (line: ResultLine) => {
    try {
      appendFileSync(out, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch (e) {
      // A full disk, a removed folder: stop sending (the job stops between calls) and say how to get them back.
      writeFailed ??= e as Error;
      if (line.status === 201) unsaved++;
    }
  };
  const digests = new Map(items.map((i) => [i.id, canonicalDigest(i)]));
  const results = new Map<string, ResultLine>();
  const toSend: JobItem[] = [];
  let alreadyIssued = 0;
  let changed = 0;
  let invalid = 0;
  for (const item of items) {
    const before = earlier.get(item.id);
    if (before?.status === 201) {
      // Issued by an earlier run: kept, never sent again. An item edited since is not re-issued
      // under the same id (the first credential would stay valid beside it): it is reported.
      results.set(item.id, before);
      if (before.itemDigest === undefined || before.itemDigest === digests.get(item.id)) alreadyIssued++;
      else {
        changed++;
        process.stderr.write(`${item.id}: changed since it was issued as ${before.credentialId}; not sent. To correct it, revoke that credential and issue the corrected item under a new id.\n`);
      }
      continue;
    }
    // The batch's own schema, item by item: one malformed line must not fail the 99 others of its call.
    const errors = check(validate.IssueBatchRequest, { items: [item] }).map((e) => ({ ...e, pointer: e.pointer.replace(/^\/items\/0/, '') || '/' }));
    if (errors.length > 0) {
      invalid++;
      const line: ResultLine = { id: item.id, status: 400, problem: { code: 'VALIDATION_FAILED', detail: `${errors[0]!.pointer} ${errors[0]!.message}`, errors }, itemDigest: digests.get(item.id)! };
      results.set(item.id, line);
      save(line);
      continue;
    }
    toSend.push(item);
  }

  let last = 0;
  const { progress, seconds } = await runIssueJob({
    baseUrl,
    token,
    jobKey: cmd.job,
    items: toSend,
    parallel,
    stop: () => writeFailed !== undefined,
    onResult: (r) => {
      const line: ResultLine = { ...r, itemDigest: digests.get(r.id)! };
      results.set(r.id, line);
      // At once: a job stopped halfway keeps every credential it was given.
      save(line);
    },
    onProgress: (p) => {
      if (p.pending === 0 || Date.now() - last > 1000) {
        last = Date.now();
        process.stderr.write(`issued ${p.issued}/${p.total} (${p.replayed} replayed), failed ${p.failed}, calls ${p.calls}\n`);
      }
    },
  });
  // One line per item, in the file's order; lines of items no longer in the file are kept after them.
  // The file is read once more first: whatever credential it holds now is kept.
  const onDisk = writeFailed ? earlier : readResults(out, new Map(earlier));
  for (const [id, r] of onDisk) if (r.status === 201 && results.get(id)?.status !== 201) results.set(id, r);
  const lines = items.map((i) => results.get(i.id) ?? { id: i.id, status: 0, itemDigest: digests.get(i.id)! });
  const inFile = new Set(items.map((i) => i.id));
  for (const [id, r] of onDisk) if (!inFile.has(id)) lines.push(r);
  try {
    writeResults(out, lines);
  } catch (e) {
    writeFailed ??= e as Error;
  }
  if (writeFailed) {
    process.stderr.write(`could not write ${out} (${writeFailed.message}): ${unsaved} credential(s) received were not saved, and the job stopped. Make room, then run the same command (same job key) within 24 hours: the service gives those credentials back.\n`);
  }
  // Items whose answer never came (GAVE_UP) or that another request held (409) may have been issued.
  const uncertain = lines.filter((l) => l.status !== 201 && ['GAVE_UP', 'IDEMPOTENCY_IN_PROGRESS'].includes(l.problem?.code ?? '')).length + progress.pending;
  if (uncertain > 0) process.stderr.write(`${uncertain} item(s) got no answer and may have been issued: run the same command (same job key) within 24 hours to get them; after that they would be issued anew.\n`);
  const failed = progress.failed + invalid + changed;
  const summary = {
    total: items.length,
    alreadyIssued,
    sent: toSend.length,
    issued: progress.issued,
    replayed: progress.replayed,
    failed,
    ...(invalid ? { invalid } : {}),
    ...(changed ? { changed } : {}),
    pending: progress.pending,
    ...(uncertain ? { rerunWithin24h: uncertain } : {}),
    calls: progress.calls,
    seconds: Math.round(seconds * 10) / 10,
    results: out,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return failed === 0 && progress.pending === 0 && !writeFailed ? 0 : 3;
}
