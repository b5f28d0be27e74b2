/** The local home's data folder (git-ignored): the embedded store, keys and tokens, private to the user. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { didWebPrefix } from '../core/did-web';

export const defaultDataDir = (env: Record<string, string | undefined> = process.env) => resolve(env.ATTESTO_DATA_DIR ?? '.attesto');

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes a JSON file readable by its owner only (mode 0600). */
export function writePrivateJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readJsonFile<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

export const paths = (dir: string) => ({
  dynamo: join(dir, 'dynamodb'),
  keys: join(dir, 'keys'),
  demo: join(dir, 'demo-school.json'),
  operator: join(dir, 'operator.json'),
  runtime: join(dir, 'runtime.json'),
  /** The address the folder's schools have their DIDs under, fixed at its first use. */
  home: join(dir, 'home.json'),
});

/** True while a process of that id runs (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The public URL of the folder's schools: did:web DIDs contain it (host and port), so a school
 * registered under one address is not one of this home's under another. Fixed at first use, by
 * the local home or the CLI, whichever comes first.
 */
export function folderPublicUrl(dir: string, proposed: string): string {
  const saved = savedPublicUrl(dir);
  if (saved) return saved;
  const url = addressOfDemoDid(dir, proposed) ?? proposed;
  writePrivateJson(paths(dir).home, { publicUrl: url });
  return url;
}

/** The folder's address as saved at its first use, if it has been used. */
export const savedPublicUrl = (dir: string) => readJsonFile<{ publicUrl: string }>(paths(dir).home)?.publicUrl;

/**
 * A folder made before home.json existed: its demo school's DID (`did:web:127.0.0.1%3A3917:schools:…`)
 * says the host and port its schools were registered under, whatever address runs it first now.
 */
function addressOfDemoDid(dir: string, proposed: string): string | undefined {
  const did = readJsonFile<{ did?: string }>(paths(dir).demo)?.did;
  const m = did ? /^(did:web:.+):schools:[^:]+$/.exec(did) : null;
  if (!m) return undefined;
  // The same DID from the address proposed: that address (its scheme is the user's to choose).
  if (didWebPrefix(proposed) === m[1]) return proposed;
  const [host, ...path] = m[1]!.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host!);
  return `${loopback ? 'http' : 'https'}://${host}${path.length ? `/${path.join('/')}` : ''}`;
}
