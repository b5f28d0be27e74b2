/**
 * Cold start proxy: every Lambda entry point bundled as the CDK stack bundles it (lib/bundling.ts:
 * esbuild, ESM, node22, minified, source map, require shim), its size, whether it carries the AWS
 * SDK's KMS or DynamoDB clients, and the time a fresh Node process takes to load it (module init)
 * with the functions' NODE_OPTIONS (source maps on), next to `node -e 0`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_NODE_OPTIONS } from '../../lib/bundling';
import { bundleHandler } from '../lib/bundle';
import { median } from '../lib/measure';
import { round, type Row } from '../lib/report';

const COLD_ENV = {
  ATTESTO_PUBLIC_URL: 'https://attesto.example',
  ATTESTO_SIGNER: 'kms',
  // The school authorizer's token issuer: never contacted here (the cold-start event has no token).
  ATTESTO_TOKEN_ISSUER: 'https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_bench',
  AWS_REGION: 'eu-west-3',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  // As each function's environment sets it: loading a bundle reads its source map too.
  NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const wall = (args: string[]) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...COLD_ENV }, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}`);
  return performance.now() - t;
};

export async function run(o: { runs?: number } = {}): Promise<Row[]> {
  const runs = o.runs ?? 15;
  const dir = mkdtempSync(join(tmpdir(), 'attesto-bench-bundles-'));
  const entries = readdirSync('lambdas/handlers').filter((f) => f.endsWith('.ts')).sort();
  const bundles = [];
  for (const entry of entries) bundles.push(await bundleHandler(join('lambdas/handlers', entry), dir));

  const rows: Row[] = [];
  const section = 'cold start';
  const baseline: number[] = [];
  const times = new Map<string, { wall: number[]; importMs: number[]; firstEventMs: number[]; status: unknown }>();
  for (const b of bundles) times.set(b.name, { wall: [], importMs: [], firstEventMs: [], status: undefined });
  wall(['-e', '0']);
  // Interleaved: node -e 0, then every bundle, `runs` times over.
  for (let i = 0; i < runs; i++) {
    baseline.push(wall(['-e', '0']));
    for (const b of bundles) {
      const t = times.get(b.name)!;
      t.wall.push(wall([b.file]));
      const out = JSON.parse(execFileSync(process.execPath, ['bench/lib/cold-driver.mjs', b.file], { env: { ...process.env, ...COLD_ENV } }).toString());
      t.importMs.push(out.importMs);
      t.firstEventMs.push(out.firstEventMs);
      t.status = out.status;
    }
  }
  const base = median(baseline);
  rows.push({ section, measure: '`node -e 0` (process start, baseline)', value: round(base, 1), unit: 'ms' });
  for (const b of bundles) {
    const t = times.get(b.name)!;
    const w = median(t.wall);
    const kb = b.bytes / 1024;
    const isVerifier = b.name === 'verifier';
    rows.push({
      section,
      measure: `${b.name} bundle, minified${b.kms ? ' (KMS client inside)' : ''}${b.dynamoSdk ? ' (DynamoDB SDK inside)' : ''}`,
      value: round(kb, 1),
      unit: 'KB',
      target: isVerifier ? { text: '≤ 200 KB, no KMS client', met: kb <= 200 && !b.kms } : { text: '< 1 MB', met: b.bytes < 1024 * 1024 },
      extra: { bytes: b.bytes, kms: b.kms, dynamoSdk: b.dynamoSdk, topInputs: b.top },
    });
    rows.push({
      section,
      measure: `${b.name}: process start + module init (\`node ${b.name}.mjs\`)`,
      value: round(w, 1),
      unit: 'ms',
      baseline: { name: 'node -e 0', value: round(base, 1) },
      note: `+${(w - base).toFixed(1)} ms; in process: import ${median(t.importMs).toFixed(1)} ms, first event (config, composition, app) ${median(t.firstEventMs).toFixed(1)} ms → ${String(t.status)}`,
      ...(isVerifier ? { target: { text: '≤ node -e 0 + 50 ms', met: w - base <= 50 } } : {}),
      extra: { overBaselineMs: round(w - base, 1), importMs: round(median(t.importMs), 1), firstEventMs: round(median(t.firstEventMs), 1), firstEventStatus: t.status },
    });
  }
  return rows;
}
