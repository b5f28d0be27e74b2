/**
 * A closed-loop HTTP load generator over kept-alive connections: `concurrency` clients each send
 * the next request as soon as the previous answer is read. Latency is measured per request.
 * Also: starting the benchmark's servers as child processes, loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { percentile } from './measure';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  latencies: number[];
}

export interface LoadRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | ((i: number) => string);
  /** Statuses that count as a success. Default: 200. */
  ok?: number[];
}

export function send(agent: Agent, r: LoadRequest, i = 0): Promise<{ status: number; body: string }> {
  const u = new URL(r.url);
  const body = typeof r.body === 'function' ? r.body(i) : r.body;
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: u.hostname, port: u.port, path: u.pathname, method: r.method ?? 'POST', agent, headers: { ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...r.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function load(r: LoadRequest, o: { concurrency: number; seconds: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const ok = r.ok ?? [200];
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const res = await send(agent, r, n++);
        if (!ok.includes(res.status)) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), latencies };
}

export interface Child {
  info: Record<string, string>;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <script>` and waits for the JSON line it prints when ready. */
export async function startChild(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    lines.on('line', (line) => {
      try {
        resolve(JSON.parse(line));
      } catch {
        // Not the ready line (a log line): keep waiting.
      }
    });
  });
  return {
    info,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
