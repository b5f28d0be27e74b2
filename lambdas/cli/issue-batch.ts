/**
 * `attesto issue-batch`: a school issues a whole class or year group from a JSON Lines file (one
 * `{"id", "credential", "options"?}` per line), as a job of batch calls with progress.
 *
 * The results file (JSON Lines, readable by its owner only) holds the credentials, and the service
 * keeps none of them: it is written as each result comes in, never loses a credential it holds,
 * and is read back at the next run. Running the same command again sends only the items that have
 * no credential in it yet (the service replays those it issued in the last 24 hours), so it never
 * issues anything twice, even days later.
 */
import { appendFileSync, chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
function readResults(out: string): Map<string, ResultLine> {
  const results = new Map<string, ResultLine>();
  if (!existsSync(out)) return results;
  readFileSync(out, 'utf8').split('\n').forEach((line, n) => {
    if (!line.trim()) return;
    let r: ResultLine;
    try {
      r = JSON.parse(line);
    } catch {
      throw new Error(`${out}:${n + 1}: not JSON. This file may hold credentials the service does not keep: repair it, or move it away to start over`);
    }
    if (typeof r?.id !== 'string') throw new Error(`${out}:${n + 1}: a result line without an "id"`);
    if (results.get(r.id)?.status !== 201) results.set(r.id, r);
  });
  return results;
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

  const earlier = readResults(out);
  if (existsSync(out)) chmodSync(out, 0o600);
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
      appendFileSync(out, `${JSON.stringify(line)}\n`, { mode: 0o600 });
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
    onResult: (r) => {
      const line: ResultLine = { ...r, itemDigest: digests.get(r.id)! };
      results.set(r.id, line);
      // At once: a job stopped halfway keeps every credential it was given.
      appendFileSync(out, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    },
    onProgress: (p) => {
      if (p.pending === 0 || Date.now() - last > 1000) {
        last = Date.now();
        process.stderr.write(`issued ${p.issued}/${p.total} (${p.replayed} replayed), failed ${p.failed}, calls ${p.calls}\n`);
      }
    },
  });
  // One line per item, in the file's order; lines of items no longer in the file are kept after them.
  const lines = items.map((i) => results.get(i.id) ?? { id: i.id, status: 0, itemDigest: digests.get(i.id)! });
  const inFile = new Set(items.map((i) => i.id));
  for (const [id, r] of earlier) if (!inFile.has(id)) lines.push(r);
  writeResults(out, lines);
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
    calls: progress.calls,
    seconds: Math.round(seconds * 10) / 10,
    results: out,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return failed === 0 && progress.pending === 0 ? 0 : 3;
}
