/**
 * The results-file lock on a file system without hard links (a FAT or exFAT stick, some network
 * shares): `link` fails there with EPERM, and the lock is made by an exclusive create instead.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const linkSync = vi.hoisted(() => vi.fn(() => {
  throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
}));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  return { ...fs, default: { ...fs, linkSync }, linkSync };
});

const { lockResults } = await import('../../lambdas/cli/results-file');

describe('the results-file lock without hard links', () => {
  it('is taken, refused to a second run while held, and released', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'attesto-fat-')), 'r.jsonl');
    const unlock = lockResults(out);
    // Taken by the exclusive create, after the link was refused.
    expect(linkSync).toHaveBeenCalled();
    expect(readFileSync(`${out}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    writeFileSync(`${out}.lock`, `1@another-host@1`);
    expect(() => lockResults(out)).toThrow('is being written by another run (pid 1 on another-host)');
    unlock(); // not ours any more: left as it is
    expect(existsSync(`${out}.lock`)).toBe(true);
  });
});
