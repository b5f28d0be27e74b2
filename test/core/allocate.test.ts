/**
 * How full a status list gets before a school moves to the next one: the herd a credential hides
 * in (Bitstring Status List v1.0 §6.1) is the credentials of its list. Random draws, a set of taken
 * slots standing in for the store's conditional writes.
 */
import { describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../lambdas/core/deps';
import type { SchoolRecord } from '../../lambdas/core/records';
import { allocateSlot, PROBES_BEFORE_ROLLOVER } from '../../lambdas/core/status/allocate';
import { seeded } from '../helpers/random';

async function fillAtRollover(listSize: number, seed: number): Promise<number> {
  const random = seeded(seed);
  const taken = new Set<number>();
  let current = 1;
  const store = {
    isSlotFree: async (_: string, slot: { list: number; index: number }) => slot.list !== 1 || !taken.has(slot.index),
    advanceList: async (_: string, from: number) => (current = from + 1),
    // Every list already published and current: allocation itself is what is measured.
    getStatusSeq: async () => 0,
    getPublishedList: async () => ({ seq: 1 }),
    appendAudit: async () => undefined,
  };
  const deps = { store, listSize, randomInt: (max: number) => Math.floor(random() * max), clock: () => new Date('2026-11-22T10:00:00Z') } as unknown as CoreDeps;
  const school = { uai: `07${String(seed).padStart(5, '0')}X`, currentList: 1 } as SchoolRecord;
  for (;;) {
    const slot = await allocateSlot(deps, school);
    if (slot.list !== 1 || current !== 1) return taken.size / listSize;
    taken.add(slot.index);
  }
}

describe('status list fill', () => {
  it(`leaves a list for the next only when ${PROBES_BEFORE_ROLLOVER} draws in a row find taken slots: most of it is used`, async () => {
    const fills = await Promise.all([1, 2, 3, 4, 5].map((seed) => fillAtRollover(4096, seed)));
    // ((k + 1) / N)^(1 / (k + 1)) is about 0.81 for 4,096 entries; 3 draws left lists at about 18 %.
    for (const f of fills) expect(f).toBeGreaterThan(0.6);
    expect(fills.reduce((a, b) => a + b) / fills.length).toBeGreaterThan(0.7);
  });
});
