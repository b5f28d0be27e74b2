/**
 * How long a published status list is: the configured size, or a multiple of it that covers a
 * list made when the size was larger; never more than verifiers read.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LIST_LENGTH } from '../../lambdas/core/status/bitstring';
import { listLength } from '../../lambdas/core/status/publish';
import type { StatusFlags } from '../../lambdas/core/records';

const at = (...indexes: number[]) => indexes.map((index) => ({ index }) as StatusFlags);

describe('status list length', () => {
  it('is the configured size while every index is below it', () => {
    expect(listLength(131_072, [])).toBe(131_072);
    expect(listLength(131_072, at(0, 131_071))).toBe(131_072);
  });

  it('covers a list made at a larger size, in whole multiples of the configured one', () => {
    expect(listLength(131_072, at(200_000))).toBe(262_144);
  });

  it('stops at the largest list verifiers read, which still covers every index a configured size allows', () => {
    // Made at 2^23 entries, then the size lowered to 393,216 (3 × 2^17): 22 of those would be 8,650,752.
    expect(listLength(393_216, at(MAX_LIST_LENGTH - 1))).toBe(MAX_LIST_LENGTH);
    expect(MAX_LIST_LENGTH % 8).toBe(0);
  });
});
