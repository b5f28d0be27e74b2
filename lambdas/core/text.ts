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

/**
 * Characters no signed text may hold (a name, a title, a label, a school's name):
 * - control characters and lone surrogates (strict JSON parsers refuse a credential carrying one);
 * - line and paragraph separators;
 * - bidirectional formatting, which makes a wallet show text other than the one signed (U+202E
 *   turns what follows it around);
 * - invisible characters that make two names look the same (zero width space, word joiner and
 *   invisible operators, byte order mark, Hangul fillers, tag characters, interlinear
 *   annotations) and noncharacters.
 * The zero width joiner and non-joiner (U+200C, U+200D) stay: Persian and Indic names need them.
 * https://www.unicode.org/reports/tr36/#Bidirectional_Text_Spoofing
 */
export const UNPRINTABLE_CLASS =
  '\\p{Cc}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Noncharacter_Code_Point}\\u061C\\u200B\\u200E\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\u115F\\u1160\\u3164\\uFFA0\\uFEFF\\uFFF9-\\uFFFB\\u{E0000}-\\u{E007F}';
export const UNPRINTABLE = new RegExp(`[${UNPRINTABLE_CLASS}]`, 'u');

/** Text that is there but shows nothing: only white space. */
export const isBlank = (text: string) => /^\p{White_Space}+$/u.test(text);
