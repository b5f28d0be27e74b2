/**
 * UAI (Unité Administrative Immatriculée): the French national identifier of a school.
 * Seven digits then a check letter: "ABCDEFGHJKLMNPRSTUVWXYZ"[number mod 23]
 * (I, O and Q are left out of the alphabet so they are never confused with 1 and 0).
 */
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
