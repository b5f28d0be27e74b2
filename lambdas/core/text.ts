/**
 * Text as a credential carries it: Unicode Normalization Form C. "Élodie" typed on one system
 * arrives as É (U+00C9), on another as E and a combining acute (U+0045 U+0301); both print the
 * same, but a verifier comparing the name with an identity document, or searching for it, sees two
 * different strings. Signed once, a credential cannot be corrected: it is normalised before.
 * https://unicode.org/reports/tr15/
 */
export function nfc<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map((v) => nfc(v)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfc(v)])) as T;
  return value;
}
