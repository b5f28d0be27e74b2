/**
 * Verification over HTTP at concurrency 16: the local home (`npm start`: the verifier Lambda
 * handler behind the API Gateway v2 adapter, dynalite as the store, in one Node process) next to
 * a bare Node HTTP server that only checks the same token's signature with node:crypto, and next
 * to the verification core alone behind the same bare server (the ceiling of any complete
 * verification over HTTP here). Rounds alternate between the three. Also measured: the CPU time each server spends per request, read from
 * /proc, which other processes on the machine do not inflate the way they inflate wall time.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { handle } from 'hono/aws-lambda';
import { composeDeps, NO_WALLET } from '../../lambdas/composition';
import { verifierFor } from '../../lambdas/verifiers';
import { loadConfig } from '../../lambdas/config';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { verifyPresentation } from '../../lambdas/core/verify/verify-presentation';
import * as validate from '../../lambdas/core/generated/validators';
import type { VerifyPresentationRequest, VerifyRequest } from '../../lambdas/core/requests';
import { createApp } from '../../lambdas/http/app';
import { readJson } from '../../lambdas/http/body';
import { logger } from '../../lambdas/http/logger';
import { verifyLambda } from '../../lambdas/http/verify-lambda';
import { load, send, startChild, type Child, type LoadResult } from '../lib/http-load';
import { median, percentile, sideBySide } from '../lib/measure';
import { round, type Row } from '../lib/report';
import { diplomaRequest, inProcessWorld, NOW, PUBLIC_URL } from '../lib/world';

const CONCURRENCY = 16;

/** CPU time (user + system) of a process so far, ms; undefined where /proc is not available. */
export function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

interface Measured {
  rps: number[];
  latencies: number[];
  cpuPerRequestUs: number[];
  errors: number;
}

async function measure(child: Child, url: string, body: string, seconds: number, into: Measured) {
  const before = cpuMs(child.process.pid!);
  const r: LoadResult = await load({ url, body }, { concurrency: CONCURRENCY, seconds });
  const after = cpuMs(child.process.pid!);
  into.rps.push(r.rps);
  into.latencies.push(...r.latencies);
  into.errors += r.errors;
  if (before !== undefined && after !== undefined) into.cpuPerRequestUs.push(((after - before) * 1000) / r.requests);
}

/**
 * Where a verify request's CPU goes, in process and one request at a time: the verification
 * alone; through the verifier's Lambda entry (API Gateway v2 event in, result out, body checks,
 * problem+json, log line, metrics); and, for comparison, the same route as a Hono app behind
 * hono/aws-lambda, as the other route groups are served (event → WHATWG Request, Response →
 * result). The store is in memory here: no database, no sockets.
 */
async function layers(section: string): Promise<Row[]> {
  const w = await inProcessWorld();
  const config = loadConfig({ ATTESTO_PUBLIC_URL: PUBLIC_URL, ATTESTO_SIGNER: 'kms', POWERTOOLS_LOG_LEVEL: 'WARN' });
  const deps = composeDeps(config, { store: w.store, wallet: NO_WALLET, clock: () => NOW, verifier: (ctx) => verifierFor(config, ctx) });
  // As the Lambda entry's cold start does with the configured level (WARN here: no request lines).
  logger.setLogLevel('WARN');
  const entry = verifyLambda(deps);
  // The same route through createApp, as the other groups are served: its middleware (log line,
  // metrics), error mapping and routing included.
  const viaHono = createApp('verifier', deps, {
    verifyCredential: async (c) => {
      const request = await readJson<VerifyRequest>(c, validate.VerifyRequest, config.maxBodyBytes);
      const result = await verifyCredential(deps.verify, request.verifiableCredential);
      c.header('cache-control', 'no-store');
      return c.json(result, result.verified ? 200 : 400);
    },
    // The group's other route, which createApp requires; not measured.
    verifyPresentation: async (c) => {
      const request = await readJson<VerifyPresentationRequest>(c, validate.VerifyPresentationRequest, config.maxBodyBytes);
      const result = await verifyPresentation(deps.verify, request.verifiablePresentation, request.options ?? {});
      return c.json(result, result.verified ? 200 : 400);
    },
  });
  const honoLambda = handle(viaHono);
  const body = JSON.stringify({ verifiableCredential: w.jws });
  const event = () => {
    const now = new Date();
    return {
      version: '2.0', routeKey: 'POST /credentials/verify', rawPath: '/credentials/verify', rawQueryString: '',
      headers: { 'content-type': 'application/json', host: '127.0.0.1', 'content-length': String(body.length) },
      requestContext: { accountId: 'bench', apiId: 'bench', domainName: '127.0.0.1', domainPrefix: '127', http: { method: 'POST', path: '/credentials/verify', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: 'bench', routeKey: 'POST /credentials/verify', stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime() },
      body, isBase64Encoded: false,
    };
  };
  for (const [name, run] of [['Lambda entry', () => entry(event() as never)], ['Hono', () => honoLambda(event() as never, {} as never)]] as const) {
    const check = (await run()) as { statusCode?: number; body?: string };
    if (check.statusCode !== 200 || !JSON.parse(check.body ?? '{}').verified) throw new Error(`${name} answered ${check.statusCode}`);
  }
  const rates = await sideBySide(
    {
      core: () => verifyCredential(deps.verify, w.jws),
      lambda: () => entry(event() as never),
      hono: () => honoLambda(event() as never, {} as never),
    },
    { rounds: 3, roundMs: 1000, warmupMs: 500 },
  );
  const us = (name: string) => 1e6 / rates[name]!.opsPerSec;
  const core = { name: 'verification alone', value: round(us('core')) };
  return [
    { section, measure: 'Verify request CPU, in process: verification alone', value: round(us('core')), unit: 'µs' },
    { section, measure: "Verify request CPU, in process: through the verifier's Lambda entry (API GW v2 event)", value: round(us('lambda')), unit: 'µs', baseline: core, ratio: us('core') / us('lambda') },
    { section, measure: 'Verify request CPU, in process: the same route as a Hono app (createApp, as the other groups) behind hono/aws-lambda', value: round(us('hono')), unit: 'µs', baseline: core, ratio: us('core') / us('hono'), note: 'for comparison: why the verifier, alone of the route groups, is served without a web framework' },
  ];
}

export async function run(o: { rounds?: number; seconds?: number } = {}): Promise<Row[]> {
  const home = await startChild('bench/servers/local-home.ts');
  const agent = new Agent({ keepAlive: true });
  let bare: Child | undefined;
  let core: Child | undefined;
  try {
    const issued = await send(agent, { url: `${home.info.url}/credentials/issue`, headers: { authorization: `Bearer ${home.info.token}` }, body: JSON.stringify(diplomaRequest()) });
    if (issued.status !== 201) throw new Error(`issue failed: ${issued.status} ${issued.body}`);
    const jws = JSON.parse(issued.body).verifiableCredential as string;
    const doc = JSON.parse((await send(agent, { url: `${home.info.url}/schools/${home.info.uai}/did.json`, method: 'GET' })).body);
    bare = await startChild('bench/servers/bare-verify.ts', { BARE_PUBLIC_JWK: JSON.stringify(doc.verificationMethod[0].publicKeyJwk) });
    core = await startChild('bench/servers/core-verify.ts');
    const body = JSON.stringify({ verifiableCredential: jws });
    const coreBody = JSON.stringify({ verifiableCredential: core.info.jws });
    const verifyUrl = `${home.info.url}/credentials/verify`;
    const bareUrl = `${bare.info.url}/`;
    const coreUrl = `${core.info.url}/`;
    for (const [url, b] of [[verifyUrl, body], [coreUrl, coreBody]] as const) {
      const check = await send(agent, { url, body: b });
      if (check.status !== 200 || !JSON.parse(check.body).verified) throw new Error(`verify failed at ${url}: ${check.body}`);
    }

    // Warm up each (JIT, caches, connections), then alternate rounds.
    await load({ url: bareUrl, body }, { concurrency: CONCURRENCY, seconds: 1 });
    await load({ url: coreUrl, body: coreBody }, { concurrency: CONCURRENCY, seconds: 2 });
    await load({ url: verifyUrl, body }, { concurrency: CONCURRENCY, seconds: 2 });
    const a: Measured = { rps: [], latencies: [], cpuPerRequestUs: [], errors: 0 };
    const b: Measured = { rps: [], latencies: [], cpuPerRequestUs: [], errors: 0 };
    const c: Measured = { rps: [], latencies: [], cpuPerRequestUs: [], errors: 0 };
    for (let i = 0; i < (o.rounds ?? 3); i++) {
      await measure(bare, bareUrl, body, o.seconds ?? 4, b);
      await measure(core, coreUrl, coreBody, o.seconds ?? 4, c);
      await measure(home, verifyUrl, body, o.seconds ?? 4, a);
    }
    const sa = [...a.latencies].sort((x, y) => x - y);
    const sb = [...b.latencies].sort((x, y) => x - y);
    const rpsA = median(a.rps);
    const rpsB = median(b.rps);
    const p99 = percentile(sa, 99);
    const section = `verify over HTTP (concurrency ${CONCURRENCY})`;
    const rows: Row[] = [
      {
        section,
        measure: `Verify over HTTP, local home (Lambda handler + API GW adapter + dynalite), c=${CONCURRENCY}`,
        value: round(rpsA),
        unit: 'req/s',
        baseline: { name: 'bare Node HTTP + node:crypto verify', value: round(rpsB) },
        ratio: rpsA / rpsB,
        target: { text: '≥ 50 % of bare', met: rpsA / rpsB >= 0.5 },
        extra: { rounds: a.rps.map((x) => round(x)), bareRounds: b.rps.map((x) => round(x)), errors: a.errors, bareErrors: b.errors },
      },
      {
        section,
        measure: `Verify over HTTP, the verification core behind bare node:http (no Lambda event, no database), c=${CONCURRENCY}`,
        value: round(median(c.rps)),
        unit: 'req/s',
        baseline: { name: 'bare Node HTTP + node:crypto verify', value: round(rpsB) },
        ratio: median(c.rps) / rpsB,
        note: 'the ceiling for any verify endpoint doing the complete verification (status lists, issuer, schema) on this machine',
        extra: { rounds: c.rps.map((x) => round(x)), errors: c.errors },
      },
      { section, measure: 'Verify over HTTP, p50 latency', value: round(percentile(sa, 50), 2), unit: 'ms', baseline: { name: 'bare', value: round(percentile(sb, 50), 2) } },
      { section, measure: 'Verify over HTTP, p99 latency', value: round(p99, 2), unit: 'ms', baseline: { name: 'bare', value: round(percentile(sb, 99), 2) }, target: { text: '≤ 20 ms', met: p99 <= 20 } },
    ];
    if (a.cpuPerRequestUs.length && b.cpuPerRequestUs.length) {
      const ca = median(a.cpuPerRequestUs);
      const cb = median(b.cpuPerRequestUs);
      rows.push({ section, measure: 'Verify over HTTP, server CPU per request', value: round(ca), unit: 'µs', baseline: { name: 'bare', value: round(cb) }, ratio: cb / ca, note: 'ratio = bare CPU / attesto CPU (the rate ratio on a quiet core)' });
    }
    rows.push(...(await layers(section)));
    return rows;
  } finally {
    agent.destroy();
    await bare?.stop();
    await core?.stop();
    await home.stop();
  }
}
