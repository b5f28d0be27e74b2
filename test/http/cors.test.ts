/**
 * Browser-based wallets and verifiers call attesto from their own origin: the preflight is
 * answered (by the gateway on AWS, before any authorizer; here by the local home), and answers
 * carry Access-Control-Allow-Origin and the headers a client must read (Retry-After, ETag…).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS } from '../../lambdas/http/cors';
import { localHome } from '../helpers/http';

let home: Awaited<ReturnType<typeof localHome>>;
beforeAll(async () => {
  home = await localHome();
});
afterAll(() => home.server.close());

const ORIGIN = 'https://wallet.example.eu';
const preflight = (path: string, method: string, headers: string) =>
  home.call('OPTIONS', path, { headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': headers } });

describe('cross-origin requests', () => {
  it('answers the preflight of a wallet (token, nonce, credential) and of a verifier, with the headers they send', async () => {
    for (const path of ['/token', '/nonce', '/credential', '/credentials/verify', '/presentations/verify']) {
      const res = await preflight(path, 'POST', 'authorization,content-type');
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')!.split(',')).toEqual(expect.arrayContaining(['POST', 'GET']));
      expect(res.headers.get('access-control-allow-headers')!.split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
      expect(Number(res.headers.get('access-control-max-age'))).toBe(CORS.maxAgeSeconds);
    }
  });

  it('lets a page revalidate a public document it holds (If-None-Match, not a safelisted header)', async () => {
    const res = await preflight(`/schools/${home.server.demo.uai}/did.json`, 'GET', 'if-none-match');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')!.split(',')).toContain('if-none-match');
  });

  it('lets the page read the answer and the headers it needs', async () => {
    const res = await home.call('POST', '/credentials/verify', { body: { verifiableCredential: 'a.b.c' }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')!.split(',')).toEqual(expect.arrayContaining(['retry-after', 'etag', 'www-authenticate']));
    const did = await home.call('GET', `/schools/${home.server.demo.uai}/did.json`, { headers: { origin: ORIGIN } });
    expect(did.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('adds nothing for a request without an Origin, and answers no preflight for a path that is no route', async () => {
    const res = await home.post('/credentials/verify', { verifiableCredential: 'a.b.c' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('/nowhere', 'POST', 'content-type')).status).toBe(404);
  });
});
