/**
 * UAI (Unité Administrative Immatriculée): the French national identifier of a school.
 * Seven digits then a check letter: "ABCDEFGHJKLMNPRSTUVWXYZ"[number mod 23]
 * (I, O and Q are left out of the alphabet so they are never confused with 1 and 0).
 */
import { AttestoError } from './errors';

const CHECK_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const UAI_SHAPE = /^(\d{7})([A-Z])$/;

export function uaiCheckLetter(digits: string): string {
  return CHECK_LETTERS[Number(digits) % 23]!;
}

/** True for a well-formed UAI whose check letter matches. Case-sensitive: UAIs are upper case. */
export function isValidUai(value: string): boolean {
  const m = UAI_SHAPE.exec(value);
  return m !== null && uaiCheckLetter(m[1]!) === m[2];
}

/** INVALID_UAI (400) for what an operator gave as a UAI: a mistyped one is said, not looked up. */
export function invalidUai(value: string): AttestoError {
  // Sliced: it may come from a path, which is whatever the caller sent.
  return new AttestoError('INVALID_UAI', `"${value.slice(0, 20)}" is not a valid UAI: 7 digits then the check letter "${CHECK_LETTERS}"[number mod 23]`);
}
