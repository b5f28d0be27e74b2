import { describe, expect, it } from 'vitest';
import { isValidUai, uaiCheckLetter } from '../../lambdas/core/uai';

describe('UAI: 7 digits then "ABCDEFGHJKLMNPRSTUVWXYZ"[number mod 23]', () => {
  it.each([
    ['0751234J', true],
    ['0130001F', true],
    ['0690002C', true],
    ['0000000A', true], // 0 mod 23 = 0 → A
    ['0000022Z', true], // 22 → Z, the last letter
    ['0000023A', true], // wraps around
    ['0751234A', false], // wrong check letter
    ['0751234j', false], // lower case
    ['751234J', false], // six digits
    ['07512345J', false], // eight digits
    ['0751234I', false], // I is never a check letter
    ['0751234', false],
    ['', false],
    [' 0751234J', false],
  ])('%s is %s', (value, valid) => {
    expect(isValidUai(value)).toBe(valid);
  });

  it('never uses I, O or Q as a check letter', () => {
    const letters = new Set(Array.from({ length: 23 }, (_, n) => uaiCheckLetter(String(n).padStart(7, '0'))));
    expect(letters.size).toBe(23);
    for (const l of ['I', 'O', 'Q']) expect(letters.has(l)).toBe(false);
  });
});
