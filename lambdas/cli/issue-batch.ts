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
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readJsonLines } from './json-lines';
import { canonicalDigest } from '../core/hash';
import { nfc } from '../core/text';
import * as validate from '../core/generated/validators';
import { check } from '../core/validation';
import { defaultDataDir, paths, readJsonFile, runningHome } from '../local/data-dir';
import { BATCH_KEY } from '../core/batch-limits';
import { isReusedKey, mayHaveCommitted, runIssueJob, type JobItem } from './issue-job';
import { appendResult, lockResults, prepareResults, readResults, writeResults, type ResultLine } from './results-file';

export interface IssueBatchCommand {
  file: string;
  job: string;
  url?: string;
  out?: string;
  parallel?: number;
}

function readItems(file: string): JobItem[] {
  const items: JobItem[] = [];
  for (const { n, value } of readJsonLines(file, { notJson: (n) => `${file}:${n}: not JSON` })) {
    const item = value as JobItem;
    if (typeof item?.id !== 'string' || typeof item.credential !== 'object') throw new Error(`${file}:${n}: each line needs an "id" and a "credential"`);
    items.push(item);
  }
  if (new Set(items.map((i) => i.id)).size !== items.length) throw new Error(`${file}: item ids must be unique`);
  return items;
}

/** Loopback names: the only hosts plain http may reach (a local home on this machine). */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * `--url` is https, or http to this machine only: the school's token and every student's names,
 * birth date and grades go with each call, and would cross the network in the clear.
 */
function checkServiceUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--url is not a URL: ${url}`);
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname))) return;
  throw new Error(`--url must be https (plain http only to this machine: localhost, 127.0.0.1, [::1]): the school's token and the students' data would cross the network in the clear to ${u.origin}`);
}

export async function issueBatchCommand(cmd: IssueBatchCommand): Promise<number> {
  const parallel = cmd.parallel ?? 2;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new Error('--parallel must be a whole number from 1 to 16');
  // Checked before anything is written: the job key names every item's idempotency key.
  if (!BATCH_KEY.test(cmd.job)) throw new Error('--job must be 8 to 63 characters of A-Z a-z 0-9 . _ -');
  const items = readItems(cmd.file);
  // Locally: the running home and its demo school, unless told otherwise.
  const dataDir = defaultDataDir();
  const demo = readJsonFile<{ token: string }>(paths(dataDir).demo);
  const localUrl = runningHome(dataDir)?.url;
  if (cmd.url === undefined && localUrl === undefined) throw new Error(`no local home is running for ${dataDir}: start it (npm start), or give --url and the school token in ATTESTO_TOKEN`);
  if (cmd.url !== undefined) checkServiceUrl(cmd.url);
  const baseUrl = cmd.url ?? localUrl;
  // The demo school's token is only ever sent to the local home it belongs to, never to a --url elsewhere.
  const sameOrigin = (a: string, b: string | undefined) => b !== undefined && new URL(a).origin === new URL(b).origin;
  const token = process.env.ATTESTO_TOKEN ?? (baseUrl && sameOrigin(baseUrl, localUrl) ? demo?.token : undefined);
  // baseUrl is set here (checked above): what is missing is the token, never sent to another address than its home's.
  if (!baseUrl || !token) throw new Error(`set the school's API token in ATTESTO_TOKEN for ${baseUrl}${cmd.url !== undefined && localUrl !== undefined ? ` (the local demo school's is used only for its own home, ${localUrl})` : ''}`);
  const out = cmd.out ?? `${cmd.file.replace(/\.jsonl?$/, '')}.results.jsonl`;
  // The results would replace the school's own file, and the next run would find no items in it.
  if (sameFile(out, cmd.file)) throw new Error(`--out is the items file (${cmd.file}): give another file for the results`);

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
  prepareResults(out);
  let writeFailed: Error | undefined;
  let unsaved = 0;
  const save = (line: ResultLine) => {
    // After a failed write, nothing more is appended (it could glue onto a torn line): the final rewrite has it all.
    if (!writeFailed) {
      try {
        return appendResult(out, line);
      } catch (e) {
        // A full disk, a removed folder: stop sending (the job stops between calls).
        writeFailed = e as Error;
      }
    }
    if (line.status === 201) unsaved++;
  };
  // Of the item as the service signs it (NFC text: ../core/text.ts), so that a file exported again
  // with its accents composed otherwise is the same items; a line written before digested it as it was.
  const digests = new Map(items.map((i) => [i.id, canonicalDigest(nfc(i))]));
  const asWritten = (i: JobItem) => canonicalDigest(i);
  // What an earlier run's file says may have been issued: flagged lines, and those a file from
  // before the flag says so of (a 5xx, given up, never answered). They stay so until issued.
  // (A line that is only `status: 0`, with no problem, is an item a run never sent, or from before
  // the flag one it sent: not knowing, it is not taken for issued.)
  const seeded = new Set([...earlier.byId.values()].filter((l) => l.status !== 201 && (l.maybeIssued || ((l.status !== 0 || l.problem !== undefined) && mayBeIssued(l)))).map((l) => l.id));
  const flag = (id: string) => (seeded.has(id) ? { maybeIssued: true } : {});
  const results = new Map<string, ResultLine>();
  const toSend: JobItem[] = [];
  let alreadyIssued = 0;
  let changed = 0;
  let invalid = 0;
  for (const item of items) {
    const before = earlier.byId.get(item.id);
    if (before?.status === 201) {
      // Issued by an earlier run: kept, never sent again. An item edited since is not re-issued
      // under the same id (the first credential would stay valid beside it): it is reported.
      results.set(item.id, before);
      if (before.itemDigest === undefined || before.itemDigest === digests.get(item.id) || before.itemDigest === asWritten(item)) alreadyIssued++;
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
      const line: ResultLine = { id: item.id, status: 400, problem: { code: 'VALIDATION_FAILED', detail: `${errors[0]!.pointer} ${errors[0]!.message}`, errors }, itemDigest: digests.get(item.id)!, ...flag(item.id) };
      results.set(item.id, line);
      save(line);
      continue;
    }
    toSend.push(item);
  }

  // Ctrl+C (or a SIGTERM) stops the job between calls and aborts those in flight, then saves and
  // reports as at the end (their items may have been issued: rerunWithin24h). A second one quits at once.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write(`${signal}: stopping; saving the results (${signal} again to quit at once)\n`);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let last = 0;
    const { progress, seconds, sent } = await runIssueJob({
      baseUrl,
      token,
      jobKey: cmd.job,
      items: toSend,
      parallel,
      // Still so, unless issued now: an earlier run's call held them without a sure answer.
      maybeIssued: toSend.filter((i) => seeded.has(i.id)).map((i) => i.id),
      stop: () => writeFailed !== undefined || interrupt.signal.aborted,
      abort: interrupt.signal,
      onResult: (r) => {
        const line: ResultLine = { ...r, itemDigest: digests.get(r.id)! };
        results.set(r.id, line);
        if (isReusedKey(r)) {
          process.stderr.write(`${r.id}: issued before under this job key from another version of its line (a run whose answer was lost); run the original line within 24 hours to get that credential, then revoke it and issue the corrected line under a new id.\n`);
        }
        // At once: a job stopped halfway keeps every credential it was given.
        save(line);
      },
      onProgress: (p) => {
        if (p.pending === 0 || Date.now() - last > 1000) {
          last = Date.now();
          process.stderr.write(`issued ${p.issued}/${p.total} sent this run (${p.replayed} replayed${alreadyIssued ? `; ${alreadyIssued} issued by earlier runs` : ''}), failed ${p.failed} of those sent${invalid || changed ? ` (and ${invalid + changed} not sent: invalid or changed lines)` : ''}, calls ${p.calls}\n`);
        }
      },
    });
    // One line per item, in the file's order; then the credentials of other ids, and further ones
    // of the same ids, as the file held them. The file is read once more first (it holds what was
    // read at the start, and what this run appended): whatever credential it holds now is kept.
    const onDisk = writeFailed ? earlier : readResults(out);
    const extra = [...onDisk.extra];
    for (const [id, r] of onDisk.byId) {
      if (r.status !== 201) continue;
      const held = results.get(id);
      if (held?.status !== 201) results.set(id, r);
      else if (r.credentialId !== held.credentialId) extra.push(r);
    }
    // An item not answered this run: sent (its answer lost to a stop), or flagged by an earlier run, it may have been issued.
    const lines = items.map((i) => results.get(i.id) ?? { id: i.id, status: 0, itemDigest: digests.get(i.id)!, ...(sent.has(i.id) ? { maybeIssued: true } : flag(i.id)) });
    const inFile = new Set(items.map((i) => i.id));
    for (const [id, r] of onDisk.byId) if (!inFile.has(id)) lines.push(r);
    const written = new Set(lines.map((l) => l.credentialId).filter(Boolean));
    for (const r of extra) if (!written.has(r.credentialId)) (written.add(r.credentialId), lines.push(r));
    let finalError: Error | undefined;
    try {
      writeResults(out, lines);
    } catch (e) {
      finalError = e as Error;
    }
    if (finalError) {
      process.stderr.write(`could not write ${out} (${finalError.message}): ${unsaved} credential(s) received were not saved. Make room, then run the same command (same job key) within 24 hours: the service gives those credentials back.\n`);
    } else if (writeFailed) {
      process.stderr.write(`writing ${out} failed midway (${writeFailed.message}), so the job stopped; what it received is saved. Run the same command again to finish.\n`);
    }
    // Items sent whose answer never came for sure, and credentials received but not saved: only a run within 24 hours gets them.
    const lost = finalError ? unsaved : 0;
    const uncertain = lines.slice(0, items.length).filter((l) => l.maybeIssued || (sent.has(l.id) && mayBeIssued(l))).length + lost;
    if (uncertain > 0) process.stderr.write(`${uncertain} item(s) may have been issued without their credential saved here: run the same command (same job key) within 24 hours to get them; after that they would be issued anew.\n`);
    const failed = progress.failed + invalid + changed;
    // Why, on the terminal too: one bad token fails every item, and the file is not where one looks first.
    const reasons = failureReasons(lines.slice(0, items.length), changed);
    for (const [reason, { count, detail }] of Object.entries(reasons)) process.stderr.write(`failed: ${reason} ×${count}${detail ? `: ${detail}` : ''}\n`);
    const summary = {
      total: items.length,
      alreadyIssued,
      sent: sent.size,
      issued: progress.issued,
      replayed: progress.replayed,
      failed,
      ...(invalid ? { invalid } : {}),
      ...(changed ? { changed } : {}),
      ...(failed ? { failures: Object.fromEntries(Object.entries(reasons).map(([reason, { count }]) => [reason, count])) } : {}),
      pending: progress.pending,
      ...(lost ? { unsaved: lost } : {}),
      ...(uncertain ? { rerunWithin24h: uncertain } : {}),
      calls: progress.calls,
      seconds: Math.round(seconds * 10) / 10,
      results: out,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (interrupt.signal.aborted) return 130;
    return failed === 0 && progress.pending === 0 && !writeFailed && !finalError ? 0 : 3;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The failures of a run's lines by reason (the problem's code and status, or no answer), each
 * with the first detail given; items changed since they were issued, which are not sent, apart.
 */
function failureReasons(lines: ResultLine[], changed: number): Record<string, { count: number; detail?: string }> {
  const reasons: Record<string, { count: number; detail?: string }> = {};
  for (const l of lines) {
    if (l.status === 201 || (l.status === 0 && l.problem === undefined)) continue;
    const reason = `${l.problem?.code ?? 'NO_ANSWER'} (${l.status || 'no answer'})`;
    const r = (reasons[reason] ??= { count: 0, ...(l.problem?.detail ? { detail: l.problem.detail.slice(0, 200) } : {}) });
    r.count++;
  }
  if (changed) reasons['CHANGED_SINCE_ISSUED (not sent)'] = { count: changed, detail: 'revoke the credential and issue the corrected line under a new id' };
  return reasons;
}

/**
 * A failed item the service may have issued all the same: a call holding it, this time or before,
 * got no sure answer (no answer, a 5xx, given up), another request held it (409), or it was issued
 * under its id from another version of the line. Not an item refused for what it is (4xx), nor
 * one that failed to be signed (a credential is committed only once signed) or was never started.
 */
export function mayBeIssued(l: ResultLine): boolean {
  if (l.status === 201) return false;
  if (l.maybeIssued) return true;
  return mayHaveCommitted(l);
}

/** The same file, by path or (both existing) by what they point to: a link, `./a` and `a`. */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
