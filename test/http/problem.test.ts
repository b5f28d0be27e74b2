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

describe('an unexpected error', () => {
  it('is answered as a 500 that reveals nothing, and logged with where it was thrown but without what the request carried', async () => {
    const { vi } = await import('vitest');
    const { logger } = await import('../../lambdas/http/logger');
    const { problemFor } = await import('../../lambdas/http/unexpected');
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      // As V8 words it, quoting the body it read; and a library error carrying its input as a property.
      const parse = new SyntaxError('Unexpected token \'Z\', "Zéphyrine Quasimodo-Vertbois 2007-11-23" is not valid JSON');
      const url = Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: 'https://x/?ine=123456789AB' });
      const numbers = new RangeError('index 123456789 out of range for student 070912345 born 2007-11-23');
      // What no blanking of quotes or numbers would catch: a name with an apostrophe, a name unquoted.
      const apostrophe = new SyntaxError('Can\'t parse "Zoé O\'Brien"');
      const bare = new TypeError('Cannot convert Zoé to a BigInt');
      // A message with a line that looks like a stack frame.
      const framed = new Error('boom\n    at Zoé Dupont 070912345AZ');
      for (const err of [parse, url, numbers, apostrophe, bare, framed, 'Zoé thrown as a string']) expect(problemOf(problemFor(err))).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'an unexpected error occurred' });
      const lines = JSON.stringify(logged.mock.calls);
      for (const personal of ['Zéphyrine', 'Quasimodo', '2007-11-23', '123456789AB', '123456789', '070912345', 'Zoé', 'Brien']) expect(lines).not.toContain(personal);
      expect(logged.mock.calls.map(([, fields]) => (fields as { error: { name: string; code?: string } }).error)).toEqual([
        expect.objectContaining({ name: 'SyntaxError' }),
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_URL' }),
        expect.objectContaining({ name: 'RangeError' }),
        expect.objectContaining({ name: 'SyntaxError' }),
        expect.objectContaining({ name: 'TypeError' }),
        expect.objectContaining({ name: 'Error' }),
        { name: 'string', stack: [] },
      ]);
      // Where: the stack's frames, this file among them.
      expect((logged.mock.calls[0]![1] as { error: { stack: string[] } }).error.stack.some((frame) => frame.includes('problem.test.ts'))).toBe(true);
    } finally {
      logged.mockRestore();
    }
  });
});
