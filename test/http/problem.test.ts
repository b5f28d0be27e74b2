import { describe, expect, it } from 'vitest';
import { AttestoError } from '../../lambdas/core/errors';
import { problemHeaders, problemOf } from '../../lambdas/http/problem';

describe('problem+json answers (RFC 9457)', () => {
  it('tell a client of every 503 when to retry, with the delay the error gives or one second', () => {
    expect(problemHeaders(new AttestoError('SIGNER_UNAVAILABLE', 'KMS created no key'))['retry-after']).toBe('1');
    expect(problemHeaders(new AttestoError('STORE_UNAVAILABLE', 'throttled', { retryAfter: 3 }))['retry-after']).toBe('3');
    expect(problemHeaders(new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'in progress', { retryAfter: 1 }))['retry-after']).toBe('1');
    expect(problemHeaders(new AttestoError('VALIDATION_FAILED', 'bad'))).not.toHaveProperty('retry-after');
  });

  it('are never cached, and carry a stable code and type', () => {
    const err = new AttestoError('UNKNOWN_CREDENTIAL', 'no such credential');
    expect(problemHeaders(err)).toMatchObject({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
    expect(problemOf(err)).toMatchObject({ status: 404, code: 'UNKNOWN_CREDENTIAL', type: expect.stringMatching(/unknown-credential$/) });
  });
});
