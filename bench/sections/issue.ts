/**
 * Issuance: in process with the local signer over an in-memory store (attesto's own work: build,
 * validate, allocate, sign, commit), next to the raw node:crypto ES256 sign it contains; over HTTP
 * through the local home (issuer Lambda handler, dynalite) at concurrency 16; and a year group
 * issued as a job of batch calls (lambdas/cli/issue-job.ts).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { Agent } from 'node:http';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { load, send, startChild } from '../lib/http-load';
import { runIssueJob, type JobItem } from '../../lambdas/cli/issue-job';
import { sideBySide } from '../lib/measure';
import { round, type Row } from '../lib/report';
import { diplomaRequest, inProcessWorld } from '../lib/world';

/** The default ECC Sign quota of AWS KMS, per account and region (shared by every school). */
export const KMS_SIGN_QUOTA_PER_SECOND = 300;

export async function run(o: { yearGroup?: number; seconds?: number } = {}): Promise<Row[]> {
  const rows: Row[] = [];
  const section = 'issue';

  // In process ---------------------------------------------------------------------------------
  const w = await inProcessWorld(1 << 20);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = Buffer.from('x'.repeat(1500));
  let n = 0;
  const rates = await sideBySide(
    {
      attesto: () => issueCredential(w.deps, { school: w.school, actor: 'bench', request: diplomaRequest(n++) }),
      rawSign: () => sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    },
    { rounds: 3, roundMs: 1500, warmupMs: 500 },
  );
  rows.push({
    section,
    measure: 'Issue, in process (local signer, in-memory store)',
    value: round(rates.attesto!.opsPerSec),
    unit: 'VC/s',
    baseline: { name: 'raw node:crypto ES256 sign', value: round(rates.rawSign!.opsPerSec) },
    ratio: rates.attesto!.opsPerSec / rates.rawSign!.opsPerSec,
  });

  // Over HTTP, local home --------------------------------------------------------------------
  const home = await startChild('bench/servers/local-home.ts');
  const agent = new Agent({ keepAlive: true });
  try {
    const auth = { authorization: `Bearer ${home.info.token}` };
    const first = await send(agent, { url: `${home.info.url}/credentials/issue`, headers: auth, body: JSON.stringify(diplomaRequest()) });
    if (first.status !== 201) throw new Error(`issue failed: ${first.status} ${first.body}`);
    let i = 0;
    const issue = (seconds: number) => load({ url: `${home.info.url}/credentials/issue`, headers: auth, body: () => JSON.stringify(diplomaRequest(i++)), ok: [201] }, { concurrency: 16, seconds });
    await issue(1);
    const r = await issue(o.seconds ?? 5);
    rows.push({
      section,
      measure: 'Issue over HTTP, local home (issuer handler, dynalite), c=16',
      value: round(r.rps),
      unit: 'VC/s',
      note: `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors`,
      extra: { p50: round(r.p50, 2), p99: round(r.p99, 2), errors: r.errors },
    });

    // A year group as a job of batch calls ------------------------------------------------------
    const size = o.yearGroup ?? 10_000;
    const items: JobItem[] = Array.from({ length: size }, (_, k) => ({ id: `eleve-${String(k).padStart(5, '0')}`, ...diplomaRequest(k) }));
    let lastShown = 0;
    const job = await runIssueJob({
      baseUrl: home.info.url!,
      token: home.info.token!,
      jobKey: `bench-year-group-${Date.now()}`,
      items,
      chunkSize: 100,
      parallel: 2,
      onProgress: (p) => {
        if (p.issued + p.failed - lastShown >= 1000 || p.pending === 0) {
          lastShown = p.issued + p.failed;
          process.stderr.write(`  year group: ${p.issued}/${p.total} issued, ${p.failed} failed, ${p.calls} calls\n`);
        }
      },
    });
    const rate = job.progress.issued / job.seconds;
    rows.push({
      section,
      measure: `Year group: ${size.toLocaleString('en-US')} diplomas as batch calls of 100 (2 in flight), local home`,
      value: round(rate),
      unit: 'VC/s',
      note: `${job.seconds.toFixed(1)} s in all, ${job.progress.issued} issued, ${job.progress.failed} failed, ${job.progress.calls} calls`,
      extra: { seconds: round(job.seconds, 1), issued: job.progress.issued, failed: job.progress.failed, calls: job.progress.calls },
    });
    rows.push({
      section,
      measure: `Year group on AWS, default KMS quota (${KMS_SIGN_QUOTA_PER_SECOND} Sign/s per account and region): upper bound, not measured`,
      value: KMS_SIGN_QUOTA_PER_SECOND,
      unit: 'VC/s',
      note: `one Sign per credential: ${size.toLocaleString('en-US')} in ≥ ${Math.ceil(size / KMS_SIGN_QUOTA_PER_SECOND)} s if the school has the quota to itself`,
    });
  } finally {
    agent.destroy();
    await home.stop();
  }
  return rows;
}
