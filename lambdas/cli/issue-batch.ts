/**
 * `attesto issue-batch`: a school issues a whole class or year group from a JSON Lines file (one
 * `{"id", "credential", "options"?}` per line), as a job of batch calls with progress. Results go
 * to a JSON Lines file readable by its owner only (it holds the credentials). Running the same
 * command again with the same job key completes what is missing and issues nothing twice.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { defaultDataDir, paths, readJsonFile } from '../local/data-dir';
import { runIssueJob, type JobItem } from './issue-job';

export interface IssueBatchCommand {
  file: string;
  job: string;
  url?: string;
  out?: string;
  parallel?: number;
}

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

export async function issueBatchCommand(cmd: IssueBatchCommand): Promise<number> {
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
  let last = 0;
  const { results, progress, seconds } = await runIssueJob({
    baseUrl,
    token,
    jobKey: cmd.job,
    items,
    parallel: cmd.parallel ?? 2,
    onProgress: (p) => {
      if (p.pending === 0 || Date.now() - last > 1000) {
        last = Date.now();
        process.stderr.write(`issued ${p.issued}/${p.total}, failed ${p.failed}, calls ${p.calls}\n`);
      }
    },
  });
  writeFileSync(out, items.map((i) => JSON.stringify(results.get(i.id) ?? { id: i.id, status: 0 })).join('\n') + '\n', { mode: 0o600 });
  chmodSync(out, 0o600); // also when the file was already there
  process.stdout.write(`${JSON.stringify({ ...progress, seconds: Math.round(seconds * 10) / 10, results: out }, null, 2)}\n`);
  return progress.failed === 0 ? 0 : 3;
}
