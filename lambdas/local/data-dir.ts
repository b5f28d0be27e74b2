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

/** What a running local home writes in its folder (runtime.json), and removes when it stops. */
export interface RuntimeRecord {
  pid: number;
  url: string;
  /** The embedded store: the CLI works through it while the home runs (0600, as the file: its key is the store's only lock). */
  dynamo: { endpoint: string; accessKeyId: string };
}

/** The local home serving the folder now, if one runs (one that crashed left its record behind). */
export function runningHome(dir: string): RuntimeRecord | undefined {
  const record = readJsonFile<RuntimeRecord>(paths(dir).runtime);
  return record && processAlive(record.pid) ? record : undefined;
}

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

/** The folder's address as saved at its first use, if it has been used; a file that says none is refused, with its path. */
export function savedPublicUrl(dir: string): string | undefined {
  const file = paths(dir).home;
  let saved: { publicUrl?: unknown } | undefined;
  try {
    saved = readJsonFile<{ publicUrl?: unknown }>(file);
  } catch {
    saved = {};
  }
  if (saved === undefined) return undefined;
  const origin = typeof saved.publicUrl === 'string' ? originOf(saved.publicUrl) : undefined;
  if (!origin) throw new LocalHomeError(`${file} does not hold the folder's address ({"publicUrl": "http://127.0.0.1:3000"}): mend it, or remove it to take the address of the folder's demo school`);
  return origin;
}

/** The origin a URL is (`https://host[:port]`, a trailing slash allowed), or undefined. */
function originOf(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const u = new URL(value);
  return ['http:', 'https:'].includes(u.protocol) && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password ? u.origin : undefined;
}

/** The address a home is asked to answer as, checked before anything is saved: an origin, as configuration requires. */
export function publicOrigin(value: string): string {
  const origin = originOf(value);
  if (!origin) throw new LocalHomeError(`ATTESTO_PUBLIC_URL must be an origin, such as https://attestations.example.fr, without a path: "${value.slice(0, 200)}"`);
  return origin;
}

/** A local home that cannot start as asked (or a folder it cannot use), with what to do about it. */
export class LocalHomeError extends Error {
  override readonly name = 'LocalHomeError';
}

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
  let host: string | undefined;
  let path: string[];
  try {
    [host, ...path] = m[1]!.slice('did:web:'.length).split(':').map(decodeURIComponent);
  } catch {
    return undefined; // Not a DID attesto wrote (malformed percent-encoding): nothing to learn from it.
  }
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host!);
  return `${loopback ? 'http' : 'https'}://${host}${path.length ? `/${path.join('/')}` : ''}`;
}
