/**
 * Fetching foreign DID documents and status lists is an SSRF surface: only public https, no
 * redirects, bounded size and time. Exercised against a real TLS server on loopback, reached
 * through a test DNS name that is explicitly allowed to point at 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, isPublicAddress, safeFetch, type SafeFetchOptions } from '../../lambdas/adapters/safe-fetch';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import type { Store } from '../../lambdas/core/store';

let server: Server;
let port: number;
let ca: Buffer;
const HOST = 'issuer.test';
const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {};

beforeAll(async () => {
  // A throwaway certificate for the test host, made now, never stored.
  const dir = mkdtempSync(join(tmpdir(), 'attesto-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'c.pem'));
  server = createServer({ key: readFileSync(join(dir, 'k.pem')), cert: ca }, (req, res) => {
    const route = routes[req.url ?? ''];
    if (route) route(res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => server.close(r)));

const toLoopback: LookupFunction = ((_host: string, _opts: unknown, cb: (e: Error | null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
const base = (o: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({ timeoutMs: 1000, maxBytes: 1024, accept: '*/*', lookup: toLoopback, tls: { ca }, allowAddress: (a) => a === '127.0.0.1', ...o });
const url = (path: string) => `https://${HOST}:${port}${path}`;

describe('safeFetch', () => {
  it('fetches a public https resource', async () => {
    routes['/ok'] = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    expect(await safeFetch(url('/ok'), base())).toBe('{"ok":true}');
  });

  it('refuses a name that resolves to a private or loopback address (no DNS rebinding)', async () => {
    await expect(safeFetch(url('/ok'), base({ allowAddress: undefined }))).rejects.toThrow(/non-public address/);
  });

  it.each(['http://example.com/did.json', 'https://127.0.0.1/x', 'https://10.0.0.8/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://user:pw@example.com/', 'not a url'])('refuses %s without connecting', async (target) => {
    await expect(safeFetch(target, base({ allowAddress: undefined }))).rejects.toBeInstanceOf(FetchError);
  });

  it('does not follow redirects', async () => {
    routes['/moved'] = (res) => res.writeHead(302, { location: 'https://169.254.169.254/' }).end();
    await expect(safeFetch(url('/moved'), base())).rejects.toThrow(/HTTP 302/);
  });

  it('caps the response size, declared or not', async () => {
    routes['/big'] = (res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
    routes['/chunked'] = (res) => {
      res.writeHead(200);
      res.write('x'.repeat(800));
      res.end('x'.repeat(800));
    };
    await expect(safeFetch(url('/big'), base())).rejects.toThrow(/too large/);
    await expect(safeFetch(url('/chunked'), base())).rejects.toThrow(/too large/);
  });

  it('gives up after its timeout', async () => {
    routes['/slow'] = () => undefined; // never answers
    await expect(safeFetch(url('/slow'), base({ timeoutMs: 200 }))).rejects.toThrow(/timeout/);
  });

  it.each([
    ['8.8.8.8', true],
    ['2001:4860:4860::8888', true],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('a foreign did:web issuer', () => {
  it('is resolved over https, its signature checked, and reported as not a registered school', async () => {
    const did = `did:web:${HOST}%3A${port}:issuers:x`;
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    routes['/issuers/x/did.json'] = (res) =>
      res.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify({ id: did, verificationMethod: [{ id: `${did}#k`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk }], assertionMethod: [`${did}#k`] }));
    const noStore = { getSchool: async () => undefined, getPublishedList: async () => undefined } as unknown as Store;
    const deps = verifySources({ store: noStore, publicUrl: 'https://attesto.test', clock: () => new Date(), maxClockSkewSeconds: 60, schoolCacheMs: 0, fetch: { timeoutMs: 1000, lookup: toLoopback, tls: { ca }, allowAddress: (a) => a === '127.0.0.1' } });
    const vc = await new SignJWT({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'DiplomaCredential'], issuer: did, validFrom: '2026-01-01T00:00:00Z', credentialSubject: {} }).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#k` }).sign(privateKey);
    const result = await verifyCredential(deps, vc);
    expect(result.verified).toBe(false);
    expect(result.checks).toContain('signature');
    expect(result.errors.map((e) => e.code)).toContain('ISSUER_NOT_REGISTERED');

    // Without the test-only exception, the same DID is refused: loopback is never fetched.
    const strict = verifySources({ store: noStore, publicUrl: 'https://attesto.test', clock: () => new Date(), maxClockSkewSeconds: 60, schoolCacheMs: 0, fetch: { timeoutMs: 1000, lookup: toLoopback, tls: { ca } } });
    expect((await verifyCredential(strict, vc)).errors.map((e) => e.code)).toEqual(['DID_RESOLUTION_FAILED']);
  });

  it('is fetched again when a credential names a key its cached document lacks (a rotation), not more than once per interval', async () => {
    const did = `did:web:${HOST}%3A${port}:issuers:rotating`;
    const keys = [await generateKeyPair('ES256'), await generateKeyPair('ES256')];
    let listed = 1;
    let fetches = 0;
    routes['/issuers/rotating/did.json'] = async (res) => {
      fetches++;
      const methods = await Promise.all(keys.slice(0, listed).map(async (k, i) => ({ id: `${did}#k${i}`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: await exportJWK(k.publicKey) })));
      res.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify({ id: did, verificationMethod: methods, assertionMethod: methods.map((m) => m.id) }));
    };
    const noStore = { getSchool: async () => undefined, getPublishedList: async () => undefined } as unknown as Store;
    const deps = verifySources({ store: noStore, publicUrl: 'https://attesto.test', clock: () => new Date('2026-11-22T10:00:00Z'), maxClockSkewSeconds: 60, schoolCacheMs: 0, fetch: { timeoutMs: 1000, lookup: toLoopback, tls: { ca }, allowAddress: (a) => a === '127.0.0.1' } });
    const signed = (i: number) => new SignJWT({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'DiplomaCredential'], issuer: did, validFrom: '2026-01-01T00:00:00Z', credentialSubject: {} }).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#k${i}` }).sign(keys[i]!.privateKey);
    expect((await verifyCredential(deps, await signed(0))).checks).toContain('signature');
    expect(fetches).toBe(1);
    listed = 2; // the issuer adds k1 and signs with it
    expect((await verifyCredential(deps, await signed(1))).checks).toContain('signature');
    expect(fetches).toBe(2);
    // A made-up key right after: no fetch (the interval), and no signature.
    const [, p] = (await signed(1)).split('.');
    const madeUp = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: `${did}#k9` })).toString('base64url')}.${p}.${'A'.repeat(86)}`;
    expect((await verifyCredential(deps, madeUp)).errors.map((e) => e.code)).toEqual(['KEY_NOT_AUTHORIZED']);
    expect(fetches).toBe(2);
  });

  it('that cannot be resolved is fetched once for concurrent verifications, and not again for a while', async () => {
    const did = `did:web:${HOST}%3A${port}:issuers:down`;
    let fetches = 0;
    routes['/issuers/down/did.json'] = (res) => {
      fetches++;
      res.writeHead(503).end();
    };
    const noStore = { getSchool: async () => undefined, getPublishedList: async () => undefined } as unknown as Store;
    const deps = verifySources({ store: noStore, publicUrl: 'https://attesto.test', clock: () => new Date(), maxClockSkewSeconds: 60, schoolCacheMs: 0, fetch: { timeoutMs: 1000, lookup: toLoopback, tls: { ca }, allowAddress: (a) => a === '127.0.0.1' } });
    const { privateKey } = await generateKeyPair('ES256');
    const vc = await new SignJWT({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'DiplomaCredential'], issuer: did, credentialSubject: {} }).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#k` }).sign(privateKey);
    const results = await Promise.all([1, 2, 3].map(() => verifyCredential(deps, vc)));
    results.push(await verifyCredential(deps, vc));
    for (const r of results) expect(r.errors.map((e) => e.code)).toEqual(['DID_RESOLUTION_FAILED']);
    expect(fetches).toBe(1);
  });
});
