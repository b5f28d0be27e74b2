/** A local home for HTTP tests: the real server, in a temporary data folder, over loopback. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServerOptions } from '../../lambdas/local/server';

export async function localHome(opts: Partial<LocalServerOptions> = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'attesto-home-'));
  const server = await startLocalServer({ inMemory: true, ...opts, dataDir });
  return { server, ...client(server.url) };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function client(base: string) {
  async function call(method: string, path: string, o: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers };
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }
  return {
    call,
    get: (path: string, o?: Parameters<typeof call>[2]) => call('GET', path, o),
    post: (path: string, body: unknown, o: Parameters<typeof call>[2] = {}) => call('POST', path, { ...o, body }),
  };
}

/** The compact JWS inside an issue response, whichever format. */
export const jwsOf = (vc: string | { id: string }) => (typeof vc === 'string' ? vc : vc.id.replace('data:application/vc+jwt,', ''));
