/**
 * Measuring side by side. Each figure is taken in short rounds that alternate with the rounds of
 * its baseline, and the median round is kept: a slow moment of a shared machine then hits both
 * sides, and the ratio between them survives it.
 */

export interface Rate {
  /** Operations per second, median of the rounds. */
  opsPerSec: number;
  rounds: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** Runs `fn` back to back for `ms` milliseconds; operations per second. */
export async function loop(fn: () => unknown, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  let now = start;
  // Check the clock every 16 calls: the timer itself must not be what is measured.
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) {
      const r = fn();
      // Await only promises: a synchronous baseline must not pay for a microtask per call.
      if (r instanceof Promise) await r;
    }
    n += 16;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/**
 * Measures several candidates in alternating rounds (A B C A B C …), after one warm-up round each.
 * Returns each candidate's median rate.
 */
export async function sideBySide(candidates: Record<string, () => unknown>, opts: { rounds: number; roundMs: number; warmupMs?: number }): Promise<Record<string, Rate>> {
  const names = Object.keys(candidates);
  for (const name of names) await loop(candidates[name]!, opts.warmupMs ?? opts.roundMs);
  const rounds: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < opts.rounds; r++) {
    for (const name of names) rounds[name]!.push(await loop(candidates[name]!, opts.roundMs));
  }
  return Object.fromEntries(names.map((n) => [n, { opsPerSec: median(rounds[n]!), rounds: rounds[n]! }]));
}

/** Median wall time of `fn` over `n` runs, milliseconds (after `warmup` unmeasured runs). */
export async function medianMs(fn: () => unknown, n: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

export { median };
