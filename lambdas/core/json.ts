/** Narrowing untrusted JSON. */
import { UNPRINTABLE_CLASS } from './text';

/** A JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const UNPRINTABLE_ALL = new RegExp(`[${UNPRINTABLE_CLASS}]`, 'gu');

/**
 * An untrusted value for a message, cut short: the string itself, or its JSON. Never `String(v)`
 * or a template literal on untrusted JSON: `{"toString": 0}` makes those throw. Control,
 * bidirectional and invisible characters (./text.ts) are shown as U+FFFD: an answer or a log line
 * that quotes the caller must not be turned around (U+202E) or hide text in a terminal.
 */
export function shown(value: unknown, max = 100): string {
  let text: string;
  if (typeof value === 'string') text = value.slice(0, max);
  else {
    try {
      text = (JSON.stringify(value) ?? typeof value).slice(0, max);
    } catch {
      return typeof value;
    }
  }
  return text.replace(UNPRINTABLE_ALL, '\uFFFD');
}
