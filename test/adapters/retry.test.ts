import { describe, expect, it } from 'vitest';
import { withRetries, type RetryPolicy } from '../../lambdas/adapters/retry';

class Throttled extends Error {}
const failing = (failures: number, error: () => Error = () => new Throttled('slow down')) => {
  let calls = 0;
  return { calls: () => calls, call: async () => (++calls <= failures ? Promise.reject(error()) : 'done') };
};
const policy = (waits: number[], o: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 6,
  baseDelayMs: 50,
  maxDelayMs: 1000,
  retryable: (e) => e instanceof Throttled,
  giveUp: (e) => new Error('unavailable', { cause: e }),
  sleep: async (ms) => void waits.push(ms),
  random: () => 0.5,
  ...o,
});

describe('retries with capped exponential backoff and full jitter', () => {
  it('waits a random share of a ceiling that doubles with each attempt, up to the cap', async () => {
    const waits: number[] = [];
    const f = failing(5);
    expect(await withRetries(f.call, policy(waits, { maxDelayMs: 600 }))).toBe('done');
    expect(f.calls()).toBe(6);
    expect(waits).toEqual([25, 50, 100, 200, 300]); // half of 50, 100, 200, 400, then of the 600 cap
  });

  it('gives up after the attempts are spent, counting those an SDK client made itself', async () => {
    const waits: number[] = [];
    const f = failing(10);
    const error = await withRetries(f.call, policy(waits, { attemptsIn: () => 3 })).catch((e: Error) => e);
    expect(error).toMatchObject({ message: 'unavailable', cause: expect.any(Throttled) });
    expect(f.calls()).toBe(2); // 3 + 3 attempts reach the 6 allowed
    expect(waits).toHaveLength(1);
  });

  it('gives up at once on a failure not worth retrying', async () => {
    const waits: number[] = [];
    const f = failing(1, () => new TypeError('bad request'));
    expect(await withRetries(f.call, policy(waits)).catch((e: Error) => e.cause)).toBeInstanceOf(TypeError);
    expect(f.calls()).toBe(1);
    expect(waits).toEqual([]);
  });
});
