/**
 * The OAuth endpoints (token, nonce, credential) answer every error as an OAuth error object,
 * which is what a wallet parses (RFC 6749 §5.2, RFC 6750 §3, OpenID4VCI 1.0 §8.3.1.2): our own
 * refusals too, such as the store or the signer being unavailable. The other routes keep
 * problem+json.
 */
import { describe, expect, it, vi } from 'vitest';
import type { AppDeps } from '../../lambdas/composition';
import { AttestoError } from '../../lambdas/core/errors';
import { createApp } from '../../lambdas/http/app';
import { logger } from '../../lambdas/http/logger';
import type { RouteHandler } from '../../lambdas/http/routes/types';

/** The wallet group, each route throwing `err`. */
function walletApp(err: unknown) {
  const fail: RouteHandler = async () => {
    throw err;
  };
  return createApp('wallet', {} as AppDeps, new Proxy({}, { get: () => fail }) as Record<string, RouteHandler>);
}
const post = (err: unknown, path: string) => walletApp(err).request(path, { method: 'POST' });

describe('an error at an OAuth endpoint', () => {
  it.each(['/token', '/nonce', '/credential'])('%s: the store or signer unavailable is temporarily_unavailable, with the same status and Retry-After', async (path) => {
    for (const [err, status, retry] of [
      [new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable; retry', { retryAfter: 2 }), 503, '2'],
      [new AttestoError('SIGNER_UNAVAILABLE', 'the signer is throttled; retry'), 503, '1'],
      [new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'a request with this token is in progress; retry', { retryAfter: 1 }), 409, '1'],
    ] as const) {
      const res = await post(err, path);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('retry-after')).toBe(retry);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ error: 'temporarily_unavailable', error_description: err.message });
    }
  });

  it('a malformed request our checks refuse is the endpoint\'s own code: invalid_request at the token endpoint, invalid_credential_request at the credential endpoint', async () => {
    const err = new AttestoError('VALIDATION_FAILED', 'the request is not valid');
    expect(await (await post(err, '/token')).json()).toMatchObject({ error: 'invalid_request' });
    const res = await post(err, '/credential');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_credential_request' });
  });

  it('an unexpected error is server_error, revealing nothing, and is logged as at any route', async () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const res = await post(new TypeError('Cannot read Zoé'), '/credential');
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'server_error', error_description: 'an unexpected error occurred' });
      expect(logged).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(logged.mock.calls)).not.toContain('Zoé');
    } finally {
      logged.mockRestore();
    }
  });

  it('is problem+json at the other wallet routes (the offer a wallet reads, the offers a school makes)', async () => {
    const res = await walletApp(new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable; retry')).request('/offers', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
