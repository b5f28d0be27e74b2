/**
 * The local home: `npm start` on a laptop. State persists in the data folder, private to its
 * owner; the CLI registers schools whether the server runs or not.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { issueRequest } from '../helpers/fixtures';
import { client, localHome } from '../helpers/http';

const run = promisify(execFile);
const mode = (path: string) => statSync(path).mode & 0o777;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * `npm start`'s entry point in its own process, on `port` or a free one. A port found free can be
 * taken by another test file's server before the child binds it: then it starts again (on a new
 * free port, or, for a given port, once it is released).
 */
async function startHome(dataDir: string, given?: number): Promise<Awaited<ReturnType<typeof startHomeOnce>>> {
  for (let attempt = 1; ; attempt++) {
    const port = given ?? (await freePort());
    try {
      return await startHomeOnce(dataDir, port);
    } catch (e) {
      if (attempt === 5 || !(e instanceof Error && e.message.includes('EADDRINUSE'))) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function startHomeOnce(dataDir: string, port: number) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts'], {
    env: { ...process.env, ATTESTO_DATA_DIR: dataDir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('attesto is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const demo = JSON.parse((await import('node:fs')).readFileSync(join(dataDir, 'demo-school.json'), 'utf8'));
  return {
    ...client(`http://127.0.0.1:${port}`),
    port,
    demo,
    output: out,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, ['bin/attesto.mjs', ...args], { env: { ...process.env, ATTESTO_DATA_DIR: dataDir, ATTESTO_SIGNER: '' }, cwd: process.cwd() });

describe('the local home', () => {
  it('keeps schools, keys and credentials across a restart, in a folder only its owner can read', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-persist-'));
    const first = await startHome(dataDir);
    const port = first.port;
    expect(first.output).toContain(first.demo.token);
    // The examples it prints work as printed: a W3C JWT and an SD-JWT VC, each verified.
    for (const [example, format] of [[first.demo.try.issue, 'jwt_vc'], [first.demo.try.issueSdJwt, 'dc+sd-jwt']] as const) {
      expect(first.output).toContain(example);
      const body = JSON.parse(/-d '(.*)'$/.exec(example)![1]!);
      const made = await first.post('/credentials/issue', body, { token: first.demo.token });
      expect(made.status, made.text).toBe(201);
      expect(made.json.format).toBe(format);
      expect((await first.post('/credentials/verify', { verifiableCredential: made.json.verifiableCredential })).json.verified).toBe(true);
    }
    const issued = await first.post('/credentials/issue', issueRequest('DiplomaCredential'), { token: first.demo.token });
    expect(issued.status).toBe(201);
    const demo = first.demo;
    await first.stop();

    const second = await startHome(dataDir, port);
    expect(second.demo).toMatchObject({ uai: demo.uai, did: demo.did, token: demo.token });
    const verified = await second.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential });
    expect(verified.json).toMatchObject({ verified: true });
    const revoked = await second.post('/credentials/status', { credentialId: issued.json.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token: demo.token });
    expect(revoked.status).toBe(200);
    await second.stop();

    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'demo-school.json'))).toBe(0o600);
    expect(mode(join(dataDir, 'operator.json'))).toBe(0o600);
    for (const key of readdirSync(join(dataDir, 'keys'))) expect(mode(join(dataDir, 'keys', key))).toBe(0o600);
  }, 60_000);

  it('registers a school from the CLI while the server runs, and its token works at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    const home = await startHome(dataDir);
    const port = home.port;
    try {
      const { stdout } = await cli(dataDir, 'school', 'add', '--uai', '0330003Z', '--name', 'Lycée Montesquieu');
      const school = JSON.parse(stdout);
      expect(school).toMatchObject({ uai: '0330003Z', name: 'Lycée Montesquieu', did: `did:web:127.0.0.1%3A${port}:schools:0330003Z` });
      expect(school.token).toMatch(/^atst_0330003Z_/);
      const issued = await home.post('/credentials/issue', issueRequest(), { token: school.token });
      expect(issued.status).toBe(201);
      expect((await home.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential })).json.issuer).toMatchObject({ uai: '0330003Z', name: 'Lycée Montesquieu' });

      const audit = JSON.parse((await cli(dataDir, 'audit', '--uai', '0330003Z')).stdout);
      expect(audit.events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['school.registered', 'credential.issued']));

      const rotated = JSON.parse((await cli(dataDir, 'school', 'rotate-token', '--uai', '0330003Z')).stdout);
      expect((await home.post('/credentials/issue', issueRequest(), { token: school.token })).status).toBe(401);
      expect((await home.post('/credentials/issue', issueRequest(), { token: rotated.token })).status).toBe(201);

      const key = JSON.parse((await cli(dataDir, 'school', 'rotate-key', '--uai', '0330003Z')).stdout);
      expect(key).toMatchObject({ kid: `${school.did}#key-2`, retired: `${school.did}#key-1`, compromised: false });
      const doc = (await home.get('/schools/0330003Z/did.json')).json;
      expect(doc.assertionMethod).toEqual([`${school.did}#key-2`, `${school.did}#key-1`]);

      const republished = JSON.parse((await cli(dataDir, 'school', 'republish-status-lists', '--uai', '0330003Z')).stdout);
      expect(republished).toEqual({ uai: '0330003Z', lists: 1, kid: `${school.did}#key-1` }); // key-2 signs in 5 minutes
    } finally {
      await home.stop();
    }
  }, 60_000);

  it('issues a year group from a file as a job, and a second run issues nothing twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-batch-'));
    const home = await startHome(dataDir);
    try {
      const file = join(dataDir, 'terminales.jsonl');
      const lines = Array.from({ length: 150 }, (_, i) => JSON.stringify({ id: `eleve-${i}`, ...issueRequest('DiplomaCredential') }));
      writeFileSync(file, `${lines.join('\n')}\n`);
      const first = await cli(dataDir, 'issue-batch', '--file', file, '--job', 'bac-2027-terminales');
      expect(JSON.parse(first.stdout)).toMatchObject({ total: 150, issued: 150, failed: 0, results: join(dataDir, 'terminales.results.jsonl') });
      expect(first.stderr).toContain('issued 150/150');
      const results = readFileSync(join(dataDir, 'terminales.results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(mode(join(dataDir, 'terminales.results.jsonl'))).toBe(0o600);
      expect(results.map((r) => r.id)).toEqual(Array.from({ length: 150 }, (_, i) => `eleve-${i}`));
      expect(new Set(results.map((r) => r.credentialId)).size).toBe(150);

      const again = await cli(dataDir, 'issue-batch', '--file', file, '--job', 'bac-2027-terminales');
      expect(JSON.parse(again.stdout)).toMatchObject({ issued: 150, failed: 0 });
      const replayed = readFileSync(join(dataDir, 'terminales.results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(replayed.every((r, i) => r.replayed === true && r.credentialId === results[i].credentialId)).toBe(true);
      const audit = (await home.get(`/schools/${home.demo.uai}/audit?limit=500`, { token: home.demo.token })).json.events;
      expect(audit.filter((e: { action: string }) => e.action === 'credential.issued')).toHaveLength(150);
    } finally {
      await home.stop();
    }
  }, 90_000);

  it('never sends the local demo school\'s token to a --url elsewhere', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    writeFileSync(join(dataDir, 'demo-school.json'), JSON.stringify({ url: 'http://127.0.0.1:3000', token: 'atst_demo_secret' }), { mode: 0o600 });
    const file = join(dataDir, 'items.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'eleve-1', ...issueRequest() })}\n`);
    const seen: string[] = [];
    const elsewhere = createHttpServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
      const error = await cli(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001', '--url', url).catch((e) => e);
      expect(error.code).toBe(1);
      expect(error.stderr).toContain('ATTESTO_TOKEN');
      expect(seen).toEqual([]);
    } finally {
      elsewhere.close();
    }
  });

  it('refuses an invalid UAI with a clear message and a non-zero exit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    const error = await cli(dataDir, 'school', 'add', '--uai', '0330003A', '--name', 'X').catch((e) => e);
    expect(error.code).toBe(1);
    expect(JSON.parse(error.stderr)).toMatchObject({ code: 'INVALID_UAI' });
  }, 30_000);

  it('serves the same handlers as on AWS: a health route answers through the API Gateway event adapter', async () => {
    const home = await localHome();
    try {
      const res = await client(home.server.url).get('/health');
      expect(res.json).toEqual({ status: 'ok' });
      // As API Gateway answers: with the body's length, not chunked.
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
      expect(res.headers.get('transfer-encoding')).toBeNull();
      const problem = await client(home.server.url).post('/credentials/verify', { verifiableCredential: 'é' }, { headers: { 'content-type': 'text/plain' } });
      expect(problem.status).toBe(415);
      expect(problem.headers.get('content-length')).toBe(String(Buffer.byteLength(problem.text)));
      // A path parameter that is not valid percent-encoding names nothing: 404, not a crash.
      for (const path of ['/schemas/%', '/offers/%E0%A4%A', '/schools/%ZZ/did.json']) {
        const res = await client(home.server.url).get(path);
        expect(res.status, path).toBe(404);
        expect(res.json).toMatchObject({ code: 'NOT_FOUND' });
      }
    } finally {
      await home.server.close();
    }
  });
});
