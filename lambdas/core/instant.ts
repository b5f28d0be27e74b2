/** Reading RFC 3339 text as an instant, strictly. */

/** A calendar date, or a date and time with its offset (RFC 3339 §5.6), in years 0000 to 9999. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * `value` as an instant: a date-time with its offset (a `dateTimeStamp`, as VC Data Model 2.0
 * §4.9 requires), or, when `dateOnly` allows it, a calendar date alone, read as its UTC midnight.
 * Undefined for anything else. `Date` alone is lenient where a verdict must not be: it reads
 * 2026-02-30 as 2 March, "July 4, 2027" as a date, and a date-time without an offset in the
 * machine's own zone (so a Lambda in UTC and a laptop in Tahiti would disagree).
 */
export function parseInstant(value: string, o: { dateOnly?: boolean } = {}): Date | undefined {
  const m = RFC3339.exec(value);
  // Hour 24 too: Date reads 24:00:00 as the next day's midnight.
  if (!m || (m[4] === undefined && !o.dateOnly) || Number(m[4]) > 23) return undefined;
  const date = new Date(m[4] === undefined ? `${value}T00:00:00Z` : value.toUpperCase());
  if (Number.isNaN(date.getTime())) return undefined;
  // Date refuses minutes and seconds out of range, but not days. (setUTCFullYear, not
  // Date.UTC: that one reads years 0 to 99 as 1900 to 1999.)
  const day = new Date(0);
  day.setUTCFullYear(+m[1]!, +m[2]! - 1, +m[3]!);
  return day.toISOString().slice(0, 10) === `${m[1]}-${m[2]}-${m[3]}` ? date : undefined;
}
