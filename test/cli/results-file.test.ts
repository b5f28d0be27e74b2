/** The results file of issue-batch: the only copy of the credentials, so no line holding one is ever dropped. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockResults, prepareResults, readResults, writeResults } from '../../lambdas/cli/results-file';

const folder = () => mkdtempSync(join(tmpdir(), 'attesto-results-'));
const line = (id: string, credentialId: string, status = 201) => JSON.stringify({ id, status, credentialId, verifiableCredential: `jws-of-${credentialId}` });

describe('the results file', () => {
  it('keeps every credential of an id (a merged file), and prefers a credential to a later failure', () => {
    const out = join(folder(), 'r.jsonl');
    writeFileSync(out, [line('row-1', 'urn:a:1'), line('row-1', 'urn:b:1'), line('row-2', 'urn:a:2'), JSON.stringify({ id: 'row-2', status: 401 }), line('row-1', 'urn:a:1')].join('\n') + '\n');
    const r = readResults(out);
    expect(r.byId.get('row-1')?.credentialId).toBe('urn:a:1');
    expect(r.byId.get('row-2')?.credentialId).toBe('urn:a:2');
    expect(r.extra.map((x) => x.credentialId)).toEqual(['urn:b:1']);
  });

  it('reads a file saved with a byte order mark, and ends a complete last line rather than cutting it off', () => {
    const out = join(folder(), 'r.jsonl');
    writeFileSync(out, `\uFEFF${line('row-1', 'urn:a:1')}`);
    expect(readResults(out).byId.get('row-1')?.credentialId).toBe('urn:a:1');
    prepareResults(out);
    expect(readFileSync(out, 'utf8')).toBe(`\uFEFF${line('row-1', 'urn:a:1')}\n`);
  });

  it('reads a byte order mark at the start of any line (files joined with cat, one saved by an editor)', () => {
    const out = join(folder(), 'r.jsonl');
    writeFileSync(out, `${line('row-1', 'urn:a:1')}\n\uFEFF${line('row-2', 'urn:a:2')}`);
    expect([...readResults(out).byId.keys()]).toEqual(['row-1', 'row-2']);
  });

  it('moves a last line cut short aside (never deletes bytes), and removes copies left by a stopped rewrite', () => {
    const dir = folder();
    const out = join(dir, 'r.jsonl');
    const torn = line('row-2', 'urn:a:2').slice(0, 30);
    writeFileSync(out, `${line('row-1', 'urn:a:1')}\n${torn}`);
    writeFileSync(`${out}.4242.tmp`, 'a copy of the credentials');
    expect([...readResults(out).byId.keys()]).toEqual(['row-1']);
    prepareResults(out);
    expect(readFileSync(out, 'utf8')).toBe(`${line('row-1', 'urn:a:1')}\n`);
    const aside = readdirSync(dir).filter((f) => f.startsWith('r.jsonl.torn-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(torn);
    expect(existsSync(`${out}.4242.tmp`)).toBe(false);
  });

  it('refuses a line in the middle that is not JSON, saying not to move the file away', () => {
    const out = join(folder(), 'r.jsonl');
    writeFileSync(out, `${line('row-1', 'urn:a:1')}\n{"id": "row-2", "st\n${line('row-3', 'urn:a:3')}\n`);
    expect(() => readResults(out)).toThrow(/r\.jsonl:2: not JSON\. Repair it .* moving it away would have them issued again/);
  });

  it('is rewritten whole or not at all, owner-only', () => {
    const out = join(folder(), 'r.jsonl');
    writeResults(out, [JSON.parse(line('row-1', 'urn:a:1'))]);
    expect(readFileSync(out, 'utf8')).toBe(`${line('row-1', 'urn:a:1')}\n`);
    expect(readdirSync(join(out, '..'))).toEqual(['r.jsonl']);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });
});

describe('the lock', () => {
  it('lets one run at a time write, takes over the lock of a run that died, and removes only its own', async () => {
    const out = join(folder(), 'r.jsonl');
    writeFileSync(`${out}.lock`, `1@another-host@1`);
    expect(() => lockResults(out)).toThrow(`is being written by another run (pid 1 on another-host): wait for it to end, or remove ${out}.lock if that run is gone`);
    // Another host's run with our pid (two containers, both pid 1) is alive all the same.
    writeFileSync(`${out}.lock`, `${process.pid}@another-host@1`);
    expect(() => lockResults(out)).toThrow(`is being written by another run (pid ${process.pid} on another-host)`);
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${out}.lock`, `${dead}@${hostname()}@1`);
    const unlock = lockResults(out);
    expect(readFileSync(`${out}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    // Taken over meanwhile by another run (this one was thought dead): that run's lock stays.
    writeFileSync(`${out}.lock`, `${dead}@${hostname()}@2`);
    unlock();
    expect(readFileSync(`${out}.lock`, 'utf8')).toBe(`${dead}@${hostname()}@2`);
  });
});
