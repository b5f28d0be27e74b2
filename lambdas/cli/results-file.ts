/**
 * The results file of `issue-batch`: one JSON result per line, credentials included, readable by
 * its owner only. attesto keeps no credential after issuing it, so this file is the only copy:
 * nothing here ever drops a line that holds one.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../local/data-dir';
import type { JobItemResult } from './issue-job';
import { readJsonLines, stripBom } from './json-lines';

/** A line of the results file: an item's result, and the digest of the item it was for. */
export type ResultLine = JobItemResult & { itemDigest?: string };

export interface Results {
  /** Each id's result: its first credential, or else its last result. */
  byId: Map<string, ResultLine>;
  /** Further credentials of an id that already has one (a merged file, two runs): kept as they are. */
  extra: ResultLine[];
}

/** The file's results. A last line cut short (no newline, not JSON) held no credential: it is left out. */
export function readResults(out: string): Results {
  const results: Results = { byId: new Map(), extra: [] };
  if (!existsSync(out)) return results;
  const notJson = (n: number) => `${out}:${n}: not JSON. Repair it (one JSON result per line) before running again: it may hold credentials attesto does not keep, and moving it away would have them issued again`;
  for (const { n, value } of readJsonLines(out, { notJson, lastMayBeTorn: true })) {
    const r = value as ResultLine;
    if (typeof r?.id !== 'string') throw new Error(`${out}:${n}: a result line without an "id"`);
    const held = results.byId.get(r.id);
    if (held?.status !== 201) results.byId.set(r.id, r);
    else if (r.status === 201 && r.credentialId !== held.credentialId && !results.extra.some((x) => x.credentialId === r.credentialId)) results.extra.push(r);
  }
  return results;
}

/**
 * Made ready to be appended to, before anything is sent (a file that cannot be written must not
 * lose what the service issues): created owner-only, copies left by a run stopped while rewriting
 * it removed, and a last line without its newline ended (an editor saved it so) or, when it is not
 * JSON (cut short), moved aside to `<out>.torn-<time>` rather than deleted, so that the next lines
 * are lines of their own.
 */
export function prepareResults(out: string): void {
  const dir = dirname(out);
  const stray = new RegExp(`^${basename(out).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.tmp$`);
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (stray.test(f)) rmSync(join(dir, f), { force: true });
  const bytes = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
    const start = bytes.lastIndexOf(0x0a) + 1;
    const tail = bytes.subarray(start);
    if (parses(stripBom(tail.toString('utf8')))) appendFileSync(out, '\n');
    else {
      writeFileSync(`${out}.torn-${Date.now()}`, tail, { mode: 0o600 });
      truncateSync(out, start);
    }
  }
  appendFileSync(out, '', { mode: 0o600 });
  chmodSync(out, 0o600);
}

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Appends one result. */
export function appendResult(out: string, line: ResultLine): void {
  appendFileSync(out, `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

/** Writes the whole file at once (a new file, then renamed over the old one), owner-only. */
export function writeResults(out: string, lines: ResultLine[]): void {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''), { mode: 0o600 });
    renameSync(tmp, out);
  } catch (e) {
    // Never leave a stray copy of the credentials behind.
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * One run at a time writes a results file: two would each rewrite it from what they know and drop
 * the other's credentials. The lock (`<out>.lock`) names its run. One left by a run that died is
 * taken over by moving it aside first: of two runs taking it over at once, only one can move it.
 */
export function lockResults(out: string): () => void {
  const lock = `${out}.lock`;
  // Names unique to this run, even between containers where every run is pid 1.
  const me = `${process.pid}-${hostname()}-${randomBytes(6).toString('hex')}`;
  const mine = `${process.pid}@${hostname()}@${Date.now()}@${me}`;
  // The lock appears with its content (written aside, then linked into place): never empty.
  const tmp = `${lock}.${me}`;
  try {
    writeFileSync(tmp, mine, { mode: 0o600 });
  } catch (e) {
    throw new Error(`cannot write next to ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): nothing was sent`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        place(tmp, lock, mine);
        return () => {
          // Only our own lock: one taken over since (we were thought dead) is the other run's.
          if (existsSync(lock) && readFileSync(lock, 'utf8') === mine) rmSync(lock, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot write next to ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): nothing was sent`);
        if (attempt > 0) throw new Error(`${out} is being locked by another run at this moment (${lock}): try again`);
        const held = readFileSync(lock, 'utf8');
        const [pid, host] = held.split('@');
        const holder = Number(pid);
        // Another host's run cannot be checked: alive. On this host, our own pid is a run that died
        // before us (in a container, every run is pid 1), an empty lock a run that died making it.
        const alive = host !== undefined && host !== hostname() ? true : Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder);
        if (alive) throw new Error(`${out} is being written by another run (pid ${holder}${host && host !== hostname() ? ` on ${host}` : ''}): wait for it to end, or remove ${lock} if that run is gone`);
        // Moved aside, then checked: if what was moved is not the dead run's lock, another run took it
        // over meanwhile, and it is put back.
        const aside = `${lock}.dead-${me}`;
        try {
          renameSync(lock, aside);
        } catch {
          continue; // another run moved it first: try to link ours (it fails if that run linked its own)
        }
        if (readFileSync(aside, 'utf8') !== held) {
          try {
            place(aside, lock, readFileSync(aside, 'utf8'));
          } finally {
            rmSync(aside, { force: true });
          }
          throw new Error(`${out} is being locked by another run at this moment (${lock}): try again`);
        }
        rmSync(aside, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Puts `from` in place at `to`, failing with EEXIST when `to` exists: a hard link, or, where the
 * file system has none (FAT or exFAT sticks, some shares), an exclusive create written at once.
 */
function place(from: string, to: string, content: string): void {
  try {
    linkSync(from, to);
  } catch (e) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    const fd = openSync(to, 'wx', 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  }
}
