/**
 * The local home: `npm start` on a laptop. State persists in the data folder, private to its
 * owner; the CLI registers schools whether the server runs or not.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, symlinkSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { issueRequest } from '../helpers/live-fixtures';
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
async function startHome(dataDir: string, given?: number, env: Record<string, string | undefined> = {}): Promise<Awaited<ReturnType<typeof startHomeOnce>>> {
  for (let attempt = 1; ; attempt++) {
    const port = given ?? (await freePort());
    // Without PORT, the home starts at its folder's saved port: a fixed port, like a given one.
    const fixed = given !== undefined || ('PORT' in env && env.PORT === undefined);
    try {
      return await startHomeOnce(dataDir, port, env);
    } catch (e) {
      // A fixed port may be held a while by another test file's server: wait for it (5 s); a free one found taken: another.
      if (attempt === (fixed ? 25 : 5) || !(e instanceof Error && (e.message.includes('EADDRINUSE') || e.message.includes('is in use:')))) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** `PORT: undefined` in `env` starts it without PORT (its own default); the port it prints is then the one used. */
async function startHomeOnce(dataDir: string, port: number, env: Record<string, string | undefined> = {}) {
  const childEnv: Record<string, string | undefined> = { ...process.env, ATTESTO_DATA_DIR: dataDir, PORT: String(port), ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const listening = Number(/attesto is running at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
  return {
    ...client(`http://127.0.0.1:${listening}`),
    port: listening,
    demo,
    output: out,
    // Stopped as Ctrl+C would; a home that has not exited 10 s later is killed, so that no test
    // file can wait on it for ever.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.removeAllListeners('exit');
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('exit', () => (clearTimeout(kill), resolve()));
        child.kill('SIGTERM');
      }),
  };
}

/** `npm start` expected to refuse: its output, once it has exited (non-zero). */
async function startFails(dataDir: string, env: Record<string, string>): Promise<string> {
  const out = await startFailsOnce(dataDir, env);
  expect(out).toContain('attesto cannot start:');
  return out;
}

/**
 * `npm start` on a port found free, expected to refuse for another reason than the port: when the
 * port was taken meanwhile (by another test file's server), it is tried again on a new free one.
 */
async function startFailsOnFreePort(dataDir: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const out = await startFails(dataDir, { PORT: String(await freePort()) });
    if (!/port \d+ is in use:/.test(out) || attempt === 5) return out;
  }
}

async function startFailsOnce(dataDir: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts'], { env: { ...process.env, ATTESTO_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // A home that starts instead of refusing is stopped, and the test fails on its output.
  const started = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(started);
  expect(code, out).toBe(1);
  return out;
}

const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, ['bin/attesto.mjs', ...args], { env: { ...process.env, ATTESTO_DATA_DIR: dataDir, ATTESTO_SIGNER: '' }, cwd: process.cwd() });

/** The CLI, whatever its exit code; a last object argument adds to its environment. */
async function cliExit(dataDir: string, ...args: (string | Record<string, string>)[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = args.find((a): a is Record<string, string> => typeof a === 'object') ?? {};
  const argv = args.filter((a): a is string => typeof a === 'string');
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/attesto.mjs', ...argv], { env: { ...process.env, ATTESTO_DATA_DIR: dataDir, ATTESTO_SIGNER: '', ...env }, cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

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
    // A folder copied or restored with looser modes is made private again at the next start.
    chmodSync(join(dataDir, 'operator.json'), 0o644);

    const second = await startHome(dataDir, port);
    expect(second.demo).toMatchObject({ uai: demo.uai, did: demo.did, token: demo.token });
    // It holds the access key id of the running home's store.
    expect(mode(join(dataDir, 'runtime.json'))).toBe(0o600);
    const verified = await second.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential });
    expect(verified.json).toMatchObject({ verified: true });
    const revoked = await second.post('/credentials/status', { credentialId: issued.json.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token: demo.token });
    expect(revoked.status).toBe(200);
    await second.stop();

    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'dynamodb'))).toBe(0o700);
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
      // Page by page with --cursor, or the whole window at once as JSON Lines (--limit events a page).
      const first = JSON.parse((await cli(dataDir, 'audit', '--uai', '0330003Z', '--limit', '1')).stdout);
      const second = JSON.parse((await cli(dataDir, 'audit', '--uai', '0330003Z', '--limit', '1', '--cursor', first.next)).stdout);
      expect([...first.events, ...second.events]).toEqual(audit.events.slice(0, 2));
      const lines = (await cli(dataDir, 'audit', '--uai', '0330003Z', '--all', '--limit', '1')).stdout.trim().split('\n');
      expect(lines.map((line) => JSON.parse(line))).toEqual(audit.events);
      expect(audit.events.length).toBeGreaterThan(2);
      // A mistyped UAI or page size is said, with a non-zero exit, not answered with an empty trail.
      for (const [args, code] of [[['--uai', '0999999F'], 'UNKNOWN_SCHOOL'], [['--uai', '0999999Z'], 'INVALID_UAI'], [['--uai', '0330003Z', '--limit', 'abc'], 'VALIDATION_FAILED'], [['--uai', '0330003Z', '--to', '2026-02-30'], 'VALIDATION_FAILED']] as const) {
        const refused = await cliExit(dataDir, 'audit', ...args);
        expect(refused.code, args.join(' ')).toBe(1);
        expect(JSON.parse(refused.stderr).code, args.join(' ')).toBe(code);
      }

      const rotated = JSON.parse((await cli(dataDir, 'school', 'rotate-token', '--uai', '0330003Z')).stdout);
      expect((await home.post('/credentials/issue', issueRequest(), { token: school.token })).status).toBe(401);
      expect((await home.post('/credentials/issue', issueRequest(), { token: rotated.token })).status).toBe(201);

      // Two modes at once are refused, and make no key.
      const both = await cliExit(dataDir, 'school', 'rotate-key', '--uai', '0330003Z', '--now', '--compromised');
      expect([both.code, JSON.parse(both.stderr).detail]).toEqual([1, 'give --now or --compromised, not both (--compromised signs with the new key at once too)']);
      const key = JSON.parse((await cli(dataDir, 'school', 'rotate-key', '--uai', '0330003Z', '--replaces', `${school.did}#key-1`)).stdout);
      // Run again (its answer lost), it answers the same rotation.
      expect(JSON.parse((await cli(dataDir, 'school', 'rotate-key', '--uai', '0330003Z', '--replaces', `${school.did}#key-1`)).stdout)).toEqual({ ...key, replayed: true });
      expect(key).toMatchObject({ kid: `${school.did}#key-2`, retired: `${school.did}#key-1`, compromised: false, replayed: false });
      const doc = (await home.get('/schools/0330003Z/did.json')).json;
      expect(doc.assertionMethod).toEqual([`${school.did}#key-2`, `${school.did}#key-1`]);
      // What an operator needs of the school: the key signing now and its reference (a KMS ARN on AWS), the one to come.
      const shown = JSON.parse((await cli(dataDir, 'school', 'show', '--uai', '0330003Z')).stdout);
      expect(shown).toMatchObject({ uai: '0330003Z', did: school.did, timeZone: 'Europe/Paris', signing: { kid: `${school.did}#key-1`, keyRef: expect.stringMatching(/^local:0330003Z\./) }, next: { kid: `${school.did}#key-2`, keyRef: expect.stringMatching(/^local:0330003Z\./) }, retired: [], currentStatusList: 1 });
      expect(shown.next.keyRef).not.toBe(shown.signing.keyRef);
      expect(JSON.stringify(shown)).not.toMatch(/tokenHash|publicJwk|Events/);

      const republished = JSON.parse((await cli(dataDir, 'school', 'republish-status-lists', '--uai', '0330003Z')).stdout);
      expect(republished).toEqual({ uai: '0330003Z', lists: 1, kid: `${school.did}#key-1` }); // key-2 signs in 5 minutes
    } finally {
      await home.stop();
    }
  }, 60_000);

  it('issues a year group from a file as a job; later runs complete what is missing and never issue anything twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-batch-'));
    const home = await startHome(dataDir);
    try {
      const file = join(dataDir, 'terminales.jsonl');
      const out = join(dataDir, 'terminales.results.jsonl');
      const items = Array.from({ length: 150 }, (_, i) => ({ id: `eleve-${i}`, ...issueRequest('DiplomaCredential') }));
      const writeItems = (list: unknown[]) => writeFileSync(file, `${list.map((l) => JSON.stringify(l)).join('\n')}\n`);
      const readResults = () => readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const job = (...extra: string[]) => cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'bac-2027-terminales', ...extra);
      writeItems(items);

      const first = await job();
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ total: 150, alreadyIssued: 0, sent: 150, issued: 150, replayed: 0, failed: 0, pending: 0, results: out });
      expect(first.stderr).toContain('issued 150/150 sent this run (0 replayed)');
      const results = readResults();
      expect(mode(out)).toBe(0o600);
      expect(results.map((r) => r.id)).toEqual(items.map((i) => i.id));
      expect(new Set(results.map((r) => r.credentialId)).size).toBe(150);

      // Again: everything is in the results file, so nothing is sent (not even a replay, which costs a KMS Sign).
      const again = await job();
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ total: 150, alreadyIssued: 150, sent: 0, issued: 0, calls: 0 });
      expect(readResults()).toEqual(results);

      // A job stopped before it saved its last results (here: 10 lines lost) resends only those,
      // and gets the same credentials back.
      writeFileSync(out, `${readFileSync(out, 'utf8').trim().split('\n').slice(0, 140).join('\n')}\n`);
      const resumed = await job();
      expect(JSON.parse(resumed.stdout)).toMatchObject({ alreadyIssued: 140, sent: 10, issued: 10, replayed: 10, failed: 0 });
      expect(readResults().map((r) => r.credentialId)).toEqual(results.map((r) => r.credentialId));

      // A last line cut short (stopped while writing it) is sent again; the file comes out whole.
      const whole = readFileSync(out, 'utf8');
      writeFileSync(out, whole.slice(0, whole.trimEnd().length - 40));
      const torn = await job();
      expect(JSON.parse(torn.stdout)).toMatchObject({ alreadyIssued: 149, sent: 1, issued: 1, replayed: 1, failed: 0 });
      expect(readResults().map((r) => r.credentialId)).toEqual(results.map((r) => r.credentialId));

      // A complete last line without its newline (an editor saved it so) is kept, not cut off.
      writeFileSync(out, readFileSync(out, 'utf8').trimEnd());
      const unended = await job();
      expect(JSON.parse(unended.stdout)).toMatchObject({ alreadyIssued: 150, sent: 0 });
      expect(readResults().map((r) => r.credentialId)).toEqual(results.map((r) => r.credentialId));

      // One run at a time writes a results file; a lock left by a run that died is taken over.
      writeFileSync(`${out}.lock`, `${process.pid}@${hostname()}`);
      const locked = await job();
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain(`is being written by another run (pid ${process.pid}): wait for it to end, or remove ${out}.lock`);
      const dead = spawn(process.execPath, ['-e', '0']);
      await new Promise((r) => dead.on('exit', r));
      writeFileSync(`${out}.lock`, `${dead.pid}@${hostname()}`);
      expect((await job()).code).toBe(0);
      expect(existsSync(`${out}.lock`)).toBe(false);

      // A results file that cannot be written: refused before anything is sent.
      const unwritable = await job('--out', join(dataDir, 'no-such-folder', 'results.jsonl'));
      expect(unwritable.code).toBe(1);
      expect(unwritable.stderr).toContain('nothing was sent');

      // Without its results file, the same job key still replays: an item's key does not depend on
      // where it falls in the file. Row 0 removed moves eleve-100 into the first call.
      rmSync(out);
      writeItems(items.slice(1));
      const moved = await job();
      expect(JSON.parse(moved.stdout)).toMatchObject({ total: 149, sent: 149, issued: 149, replayed: 149, failed: 0 });
      const byId = new Map(results.map((r) => [r.id, r.credentialId]));
      expect(readResults().every((r) => r.credentialId === byId.get(r.id))).toBe(true);

      // A failed run (a token that no longer works) never overwrites a credential in the file.
      writeItems(items);
      const refused = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'bac-2027-terminales', { ATTESTO_TOKEN: 'atst_0750001U_expired' });
      expect(refused.code).toBe(3);
      expect(JSON.parse(refused.stdout)).toMatchObject({ alreadyIssued: 149, sent: 1, failed: 1, failures: { 'UNAUTHORIZED (401)': 1 } });
      // Why, on the terminal too, not only in the results file.
      expect(refused.stderr).toMatch(/failed: UNAUTHORIZED \(401\) ×1: .*token/);
      expect(readResults().filter((r) => r.status === 201)).toHaveLength(149);
      expect(readResults().find((r) => r.id === 'eleve-0')).toMatchObject({ status: 401, problem: { code: 'UNAUTHORIZED' } });

      // An item edited after it was issued is reported, not issued a second time; a malformed line
      // fails alone, with its own pointer, and the rest of its call goes through.
      writeItems([
        ...items.slice(0, 5),
        { ...items[5], credential: { ...items[5]!.credential, credentialSubject: { ...items[5]!.credential.credentialSubject, honours: 'Bien' } } },
        ...items.slice(6),
        { id: 'eleve 150', ...issueRequest('DiplomaCredential') },
        { id: 'eleve-151', ...issueRequest('DiplomaCredential') },
      ]);
      const edited = await job();
      expect(edited.code).toBe(3);
      expect(JSON.parse(edited.stdout)).toMatchObject({ total: 152, alreadyIssued: 148, sent: 2, issued: 2, replayed: 1, failed: 2, invalid: 1, changed: 1 }); // eleve-0 (refused above) is replayed
      expect(edited.stderr).toContain(`eleve-5: changed since it was issued as ${byId.get('eleve-5')}`);
      const final = readResults();
      expect(final.find((r) => r.id === 'eleve 150')).toMatchObject({ status: 400, problem: { code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ pointer: '/id' })] } });
      expect(final.find((r) => r.id === 'eleve-5')).toMatchObject({ status: 201, credentialId: byId.get('eleve-5') });

      // A file merged by hand with another file's results (other credentials under the same ids): every credential stays.
      const others = readResults().slice(0, 3).map((r) => ({ ...r, credentialId: `${r.credentialId}-other`, verifiableCredential: 'another-jws' }));
      writeFileSync(out, `${readFileSync(out, 'utf8')}${others.map((r) => JSON.stringify(r)).join('\n')}\n`);
      await job();
      const merged = readResults().map((r) => r.credentialId);
      for (const r of others) expect(merged).toContain(r.credentialId);

      const audit = (await home.get(`/schools/${home.demo.uai}/audit?limit=500`, { token: home.demo.token })).json.events;
      // 150 first, then eleve-151: each audited once, however many runs replayed it.
      const issuedEvents = audit.filter((e: { action: string }) => e.action === 'credential.issued');
      expect(issuedEvents).toHaveLength(151);
      expect(new Set(issuedEvents.map((e: { credentialId: string }) => e.credentialId)).size).toBe(151);

      const badParallel = await job('--parallel', 'abc');
      expect(badParallel.code).not.toBe(0);
      expect(badParallel.stderr).toContain('--parallel must be a whole number from 1 to 16');
    } finally {
      await home.stop();
    }
  }, 180_000);

  it('stops a job on Ctrl+C between calls, saves what it received, says what to run again, and the next run completes it once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-interrupt-'));
    const home = await startHome(dataDir);
    try {
      const file = join(dataDir, 'interrupted.jsonl');
      const out = join(dataDir, 'interrupted.results.jsonl');
      writeFileSync(file, `${Array.from({ length: 1200 }, (_, i) => JSON.stringify({ id: `row-${i}`, ...issueRequest('DiplomaCredential') })).join('\n')}\n`);
      const child = spawn(process.execPath, ['bin/attesto.mjs', 'issue-batch', '--file', file, '--job', 'interrupted-job'], { env: { ...process.env, ATTESTO_DATA_DIR: dataDir, ATTESTO_SIGNER: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      // Interrupted once some results are saved.
      while (!existsSync(out) || readFileSync(out, 'utf8').split('\n').length < 150) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('SIGINT: stopping; saving the results');
      const summary = JSON.parse(stdout);
      expect(summary.pending).toBeGreaterThan(0);
      // At risk: the items of the calls in flight when it stopped (sent, no answer), not those never sent.
      expect(summary.rerunWithin24h).toBe(summary.sent - summary.issued - summary.failed);
      expect(summary.rerunWithin24h).toBeGreaterThan(0);
      expect(summary.rerunWithin24h).toBeLessThanOrEqual(2 * 100);
      expect(existsSync(`${out}.lock`)).toBe(false);
      const saved = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(saved.filter((r) => r.status === 201)).toHaveLength(summary.issued);
      // The file says which: the next run, whatever becomes of them, still knows.
      expect(saved.filter((r) => r.maybeIssued)).toHaveLength(summary.rerunWithin24h);

      const again = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'interrupted-job');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ alreadyIssued: summary.issued, failed: 0, pending: 0 });
      const all = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(all.every((r) => r.status === 201)).toBe(true);
      expect(new Set(all.map((r) => r.credentialId)).size).toBe(1200);
    } finally {
      await home.stop();
    }
  }, 120_000);

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
      // Nor any token, in the clear, to another machine.
      const plain = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001', '--url', 'http://attesto.example.fr', { ATTESTO_TOKEN: 'atst_0750001U_secret' });
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('--url must be https');
    } finally {
      elsewhere.close();
    }
  });

  it('remembers, in the results file, an item whose answer was lost though later attempts failed, and warns again at the next run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    const file = join(dataDir, 'items.jsonl');
    const out = join(dataDir, 'items.results.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'eleve-1', ...issueRequest() })}\n`);
    // The first call is processed but its answer lost (the connection drops); every later one is refused for the item itself.
    let calls = 0;
    const service = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (++calls === 1) return void res.socket?.destroy();
        const ids = (JSON.parse(body) as { items: { id: string }[] }).items.map((i) => i.id);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: ids.map((id) => ({ id, status: 400, problem: { code: 'VALIDATION_FAILED' } })) }));
      });
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
      for (const run of [1, 2]) {
        const r = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001', '--url', url, { ATTESTO_TOKEN: 'atst_0750001U_x' });
        expect(JSON.parse(r.stdout), `run ${run}`).toMatchObject({ failed: 1, rerunWithin24h: 1 });
        expect(r.stderr, `run ${run}`).toContain('1 item(s) may have been issued without their credential saved here');
        expect(JSON.parse(readFileSync(out, 'utf8')), `run ${run}`).toMatchObject({ id: 'eleve-1', status: 400, maybeIssued: true });
      }
      expect(calls).toBe(3);
      // A file written before results carried the flag: what it says of each line is read the same way.
      // (A bare `status: 0` is an item never sent, or one whose answer was lost: not knowing, it is not taken for issued.)
      writeFileSync(out, `${[{ id: 'eleve-1', status: 503, problem: { code: 'STORE_UNAVAILABLE' } }, { id: 'eleve-2', status: 0, problem: { code: 'GAVE_UP' } }, { id: 'eleve-3', status: 400, problem: { code: 'VALIDATION_FAILED' } }, { id: 'eleve-4', status: 0 }].map((l) => JSON.stringify(l)).join('\n')}\n`);
      writeFileSync(file, `${['eleve-1', 'eleve-2', 'eleve-3', 'eleve-4'].map((id) => JSON.stringify({ id, ...issueRequest() })).join('\n')}\n`);
      const r = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001', '--url', `http://127.0.0.1:${(service.address() as AddressInfo).port}`, { ATTESTO_TOKEN: 'atst_0750001U_x' });
      expect(JSON.parse(r.stdout)).toMatchObject({ failed: 4, rerunWithin24h: 2 });
      expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).maybeIssued ?? false)).toEqual([true, true, false, false]);
    } finally {
      service.close();
    }
  });

  it('takes a file exported again with its accents composed otherwise (NFC, as the service signs it) for the same items, not changed ones', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    const file = join(dataDir, 'items.jsonl');
    const out = join(dataDir, 'items.results.jsonl');
    const named = (givenName: string) => ({ id: 'eleve-1', ...issueRequest(), credential: { ...issueRequest().credential, credentialSubject: { ...(issueRequest().credential.credentialSubject as object), student: { givenName, familyName: 'Martin', birthDate: '2008-03-14' } } } });
    const service = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const ids = (JSON.parse(body) as { items: { id: string }[] }).items.map((i) => i.id);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: ids.map((id) => ({ id, status: 201, credentialId: `urn:attesto:0750001U:1:${id.length}`, verifiableCredential: 'jws' })) }));
      });
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    try {
      const run = async (givenName: string) => JSON.parse((await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001', '--url', `http://127.0.0.1:${(service.address() as AddressInfo).port}`, { ATTESTO_TOKEN: 'atst_0750001U_x' })).stdout);
      writeFileSync(file, `${JSON.stringify(named('E\u0301lodie'))}\n`);
      expect(await run('E\u0301lodie')).toMatchObject({ issued: 1 });
      writeFileSync(file, `${JSON.stringify(named('\u00C9lodie'))}\n`);
      expect(await run('\u00C9lodie')).toMatchObject({ alreadyIssued: 1, sent: 0, failed: 0 });
      // A line an earlier version wrote, digesting the item as it was: the same item still.
      const line = JSON.parse(readFileSync(out, 'utf8'));
      const { canonicalDigest } = await import('../../lambdas/core/hash');
      writeFileSync(out, `${JSON.stringify({ ...line, itemDigest: canonicalDigest(named('E\u0301lodie')) })}\n`);
      writeFileSync(file, `${JSON.stringify(named('E\u0301lodie'))}\n`);
      expect(await run('E\u0301lodie')).toMatchObject({ alreadyIssued: 1, sent: 0, failed: 0 });
    } finally {
      service.close();
    }
  });

  it('says to restart a home started by an earlier version, whose store the CLI cannot use, rather than failing obscurely', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    // As an earlier version wrote it, for a process that is alive (this one).
    writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:9', dynamoEndpoint: 'http://127.0.0.1:9' }), { mode: 0o600 });
    const refused = await cliExit(dataDir, 'audit', '--uai', '0750001U');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).detail).toBe(`the local home running for ${dataDir} (pid ${process.pid}) is from an earlier version of attesto: stop it and start it again (npm start), then run this again`);
  });

  it('refuses a job key it cannot use, or a job with no local home to send it to, before writing anything', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    writeFileSync(join(dataDir, 'demo-school.json'), JSON.stringify({ url: 'http://127.0.0.1:3000', token: 'atst_demo_secret' }), { mode: 0o600 });
    const file = join(dataDir, 'items.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'eleve-1', ...issueRequest() })}\n`);
    const badKey = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'bad', '--url', 'http://127.0.0.1:9');
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toContain('--job must be 8 to 63 characters');
    // Results written over the items file would lose the school's data: refused, by path or by link.
    symlinkSync(file, join(dataDir, 'link.jsonl'));
    for (const out of [file, join(dataDir, '.', 'items.jsonl'), join(dataDir, 'link.jsonl')]) {
      const same = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001', '--url', 'http://127.0.0.1:9', '--out', out, { ATTESTO_TOKEN: 'atst_x' });
      expect([same.code, JSON.parse(same.stderr).detail], out).toEqual([1, `--out is the items file (${file}): give another file for the results`]);
    }
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify({ id: 'eleve-1', ...issueRequest() })}\n`);
    // The home that wrote demo-school.json is not running (no runtime.json, or one a crash left behind).
    writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ pid: 2 ** 22 + 1, url: 'http://127.0.0.1:9', dynamo: { endpoint: 'http://127.0.0.1:9', accessKeyId: 'LOCALX' } }));
    const noHome = await cliExit(dataDir, 'issue-batch', '--file', file, '--job', 'job-key-0001');
    expect(noHome.code).not.toBe(0);
    expect(noHome.stderr).toContain('no local home is running');
    expect(existsSync(join(dataDir, 'items.results.jsonl'))).toBe(false);
  }, 30_000);

  it('refuses to start on a folder whose saved address is unreadable, saying which file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-address-'));
    writeFileSync(join(dataDir, 'home.json'), JSON.stringify({ publicUrl: '127.0.0.1:3917' }));
    expect(await startFails(dataDir, { PORT: '' })).toContain(`${join(dataDir, 'home.json')} does not hold the folder's address`);
    writeFileSync(join(dataDir, 'home.json'), '{"publicUrl": "http://127.0.0.1:39');
    expect(await startFails(dataDir, { PORT: '' })).toContain('does not hold the folder\'s address');
    writeFileSync(join(dataDir, 'home.json'), JSON.stringify({ publicUrl: 'http://127.0.0.1:3917/attesto' }));
    expect(await startFails(dataDir, { PORT: '' })).toContain('does not hold the folder\'s address');
  }, 30_000);

  it('refuses an address with a path before saving anything, and takes one with a trailing slash as its origin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-address-'));
    expect(await startFails(dataDir, { PORT: '', ATTESTO_PUBLIC_URL: 'http://127.0.0.1:3917/attesto' })).toContain('ATTESTO_PUBLIC_URL must be an origin');
    expect(existsSync(join(dataDir, 'home.json'))).toBe(false);
    // Saved with a trailing slash (as an earlier version did): the same address.
    writeFileSync(join(dataDir, 'home.json'), JSON.stringify({ publicUrl: `http://127.0.0.1:${await freePort()}/` }));
    const port = Number(new URL(JSON.parse(readFileSync(join(dataDir, 'home.json'), 'utf8')).publicUrl).port);
    const home = await startHome(dataDir, port);
    try {
      expect(home.demo.did).toBe(`did:web:127.0.0.1%3A${port}:schools:${home.demo.uai}`);
    } finally {
      await home.stop();
    }
  }, 30_000);

  it('serves a data folder at the address its schools were registered under, and says what to do otherwise', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-address-'));
    const first = await startHome(dataDir);
    const did = first.demo.did;
    try {
      // A second home on the same folder is refused, naming the first.
      const second = await startFailsOnFreePort(dataDir);
      expect(second).toContain(`in use by the local home at http://127.0.0.1:${first.port}`);
    } finally {
      await first.stop();
    }
    // A folder from before home.json: its address is read from its demo school's DID, even by the CLI with the home stopped.
    rmSync(join(dataDir, 'home.json'));
    const added = JSON.parse((await cli(dataDir, 'school', 'add', '--uai', '0330003Z', '--name', 'Lycée Montesquieu')).stdout);
    expect(added.did).toBe(`did:web:127.0.0.1%3A${first.port}:schools:0330003Z`);
    expect(JSON.parse(readFileSync(join(dataDir, 'home.json'), 'utf8'))).toEqual({ publicUrl: `http://127.0.0.1:${first.port}` });
    // On another port, the school's credentials would be refused by the home's own verifier: refused, with the way out.
    const moved = await startFailsOnFreePort(dataDir);
    expect(moved).toContain(`have their DIDs under http://127.0.0.1:${first.port}`);
    expect(moved).toContain(`ATTESTO_PUBLIC_URL=http://127.0.0.1:${first.port}`);
    // Without PORT, it starts where its schools are, and what it issues verifies.
    const again = await startHome(dataDir, undefined, { PORT: undefined });
    try {
      expect(again.port).toBe(first.port);
      expect(again.demo.did).toBe(did);
      const issued = await again.post('/credentials/issue', issueRequest(), { token: again.demo.token });
      expect((await again.post('/credentials/verify', { verifiableCredential: issued.json.verifiableCredential })).json.verified).toBe(true);
    } finally {
      await again.stop();
    }
  }, 90_000);

  it('refuses to start on a port in use, saying so, and leaves no folder it made behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = join(tmpdir(), `attesto-refused-${process.pid}-${Date.now()}`);
    try {
      expect(await startFails(dataDir, { PORT: String(port) })).toContain(`port ${port} is in use`);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      blocker.close();
    }
  }, 30_000);

  it('refuses to run the CLI where there is no local home, rather than register a school in a new empty folder', async () => {
    const error = await cli(join(tmpdir(), `attesto-none-${process.pid}-${Date.now()}`), 'school', 'add', '--uai', '0330003Z', '--name', 'X').catch((e) => e);
    expect(error.code).toBe(1);
    expect(JSON.parse(error.stderr).detail).toContain('no local home at');
  }, 30_000);

  it('refuses an invalid UAI with a clear message and a non-zero exit, in every command, before reading anything', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    // A wrong check letter is said as such, not as a school that is not there.
    for (const args of [['school', 'add', '--uai', '0330003A', '--name', 'X'], ['school', 'rotate-token', '--uai', '0999999Z'], ['audit', '--uai', '0330003A'], ['school', 'republish-status-lists', '--uai', '0330003A'], ['school', 'next-status-list', '--uai', '0330003A'], ['school', 'revoke-client', '--uai', '0330003A'], ['school', 'new-client', '--uai', '0330003A'], ['school', 'show', '--uai', '0330003A']]) {
      const refused = await cliExit(dataDir, ...args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(JSON.parse(refused.stderr), args.join(' ')).toMatchObject({ code: 'INVALID_UAI' });
    }
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
