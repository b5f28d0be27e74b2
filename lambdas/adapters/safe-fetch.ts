/**
 * Fetching DID documents and status lists from the internet on behalf of an anonymous caller.
 * This is an SSRF surface, so: https only, no redirects, every resolved address must be public
 * unicast (checked at connect time, so DNS rebinding cannot slip a private address in), a
 * timeout, and a cap on the response size.
 */
import { request, type RequestOptions } from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import type { LookupFunction } from 'node:net';

export class FetchError extends Error {}

export interface SafeFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  accept: string;
  /** Overrides DNS (tests). */
  lookup?: LookupFunction;
  /** Extra TLS options (tests: a private CA). */
  tls?: Pick<RequestOptions, 'ca'>;
  /** Addresses allowed despite being private (tests only). */
  allowAddress?: (address: string) => boolean;
}

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

function guardedLookup(opts: SafeFetchOptions): LookupFunction {
  const base = opts.lookup ?? (dnsLookup as unknown as LookupFunction);
  return ((hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = (Array.isArray(addresses) ? addresses : [{ address: addresses as unknown as string, family: 4 }]) as LookupAddress[];
      const bad = list.find((a) => !isPublicAddress(a.address) && !opts.allowAddress?.(a.address));
      if (bad || list.length === 0) return callback(new FetchError(`${hostname} resolves to a non-public address`), '');
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}

export async function safeFetch(url: string, opts: SafeFetchOptions): Promise<string> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FetchError('not a URL');
  }
  if (u.protocol !== 'https:') throw new FetchError('only https URLs are fetched');
  if (u.username || u.password) throw new FetchError('URLs with credentials are not fetched');
  const literal = u.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(literal) && !isPublicAddress(literal) && !opts.allowAddress?.(literal)) throw new FetchError('non-public address');

  return new Promise<string>((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'GET',
        headers: { accept: opts.accept, 'user-agent': 'attesto-verifier' },
        lookup: guardedLookup(opts),
        // A fresh connection every time: a pooled socket would skip the address check above.
        agent: false,
        timeout: opts.timeoutMs,
        ...(opts.tls ?? {}),
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          // Redirects are refused, not followed: a redirect could point anywhere.
          return reject(new FetchError(`HTTP ${res.statusCode}`));
        }
        const length = Number(res.headers['content-length'] ?? 0);
        if (length > opts.maxBytes) {
          res.destroy();
          return reject(new FetchError('response too large'));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) {
            res.destroy();
            reject(new FetchError('response too large'));
          } else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => reject(new FetchError(e.message)));
      },
    );
    const timer = setTimeout(() => req.destroy(new FetchError('timeout')), opts.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new FetchError('timeout')));
    req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError(e.message)));
    req.end();
  });
}
