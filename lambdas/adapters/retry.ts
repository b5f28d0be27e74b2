/**
 * Calling an AWS service again after a throttle or a passing failure: capped exponential backoff
 * with full jitter, a random wait below a ceiling that doubles with each attempt
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/).
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Ceiling of the first wait, ms; it doubles with each attempt, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Worth another attempt (throttling, 5xx, network trouble)? */
  retryable(e: unknown): boolean;
  /** How many attempts a failure stands for (an SDK client may have made several itself). Default 1. */
  attemptsIn?(e: unknown): number;
  /** What to throw for a failure not worth retrying, or once the attempts are spent. */
  giveUp(e: unknown): Error;
  /** Injected by tests: the wait between attempts, and the jitter source in [0, 1). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export async function withRetries<T>(call: () => Promise<T>, p: RetryPolicy): Promise<T> {
  const sleep = p.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = p.random ?? Math.random;
  let attempts = 0;
  for (let round = 0; ; round++) {
    try {
      return await call();
    } catch (e) {
      attempts += Math.max(1, p.attemptsIn?.(e) ?? 1);
      if (!p.retryable(e) || attempts >= p.maxAttempts) throw p.giveUp(e);
      await sleep(random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** round));
    }
  }
}
