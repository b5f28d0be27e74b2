/**
 * `npm run bench`: attesto's performance on this machine, each figure next to its baseline
 * measured in the same run, printed as a table and written to bench/results.json (git-ignored).
 *
 *   npm run bench                      every section
 *   npm run bench -- verify http       some sections (verify, http, issue, cold-start, status-list)
 *   BENCH_YEAR_GROUP=2000 npm run bench -- issue     a smaller year group
 *
 * Network: loopback only (the local home and the baseline server listen on 127.0.0.1).
 */
import './env';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { table, type Row } from './lib/report';
import * as coldStart from './sections/cold-start';
import * as http from './sections/http';
import * as issue from './sections/issue';
import * as statusList from './sections/status-list';
import * as verify from './sections/verify';


const SECTIONS: Record<string, () => Promise<Row[]>> = {
  verify: () => verify.run(),
  http: () => http.run(),
  issue: () => issue.run({ yearGroup: Number(process.env.BENCH_YEAR_GROUP ?? 10_000) }),
  'cold-start': () => coldStart.run(),
  'status-list': () => statusList.run(),
};

const asked = process.argv.slice(2);
for (const name of asked) if (!SECTIONS[name]) throw new Error(`unknown section "${name}"; sections: ${Object.keys(SECTIONS).join(', ')}`);
const names = asked.length ? asked : Object.keys(SECTIONS);

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  date: new Date().toISOString(),
};
console.error(`attesto bench: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, sections: ${names.join(', ')}`);

const rows: Row[] = [];
const started = performance.now();
for (const name of names) {
  const t = performance.now();
  console.error(`— ${name} …`);
  const got = await SECTIONS[name]!();
  rows.push(...got);
  console.error(`— ${name}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

const notes = rows.filter((r) => r.note).map((r) => `- ${r.measure}: ${r.note}`);
console.log(`\nattesto — ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.date}\n`);
console.log(table(rows));
if (notes.length) console.log(`\n${notes.join('\n')}`);
const targets = rows.filter((r) => r.target);
console.log(`\nTargets met: ${targets.filter((r) => r.target!.met).length} of ${targets.length}. Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);

writeFileSync('bench/results.json', `${JSON.stringify({ machine, sections: names, rows }, null, 2)}\n`);
console.error('written: bench/results.json');
