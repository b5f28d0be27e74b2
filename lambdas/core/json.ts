/** Narrowing untrusted JSON. */

/** A JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An untrusted value for a message, cut short: the string itself, or its JSON. Never `String(v)`
 * or a template literal on untrusted JSON: `{"toString": 0}` makes those throw.
 */
export function shown(value: unknown, max = 100): string {
  if (typeof value === 'string') return value.slice(0, max);
  try {
    return (JSON.stringify(value) ?? typeof value).slice(0, max);
  } catch {
    return typeof value;
  }
}
