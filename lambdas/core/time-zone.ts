/**
 * A school's time zone: the dates a school writes (a period ending 31 January, a diploma awarded
 * on 4 July) are days on its own calendar. As instants (Open Badges 3.0 DateTimes, an enrolment's
 * end of validity) they carry its offset: `2027-01-31T23:59:59+01:00`, which a wallet in Paris
 * shows as 31 January, where `2027-01-31T23:59:59Z` would show as 1 February, 00:59.
 */
import { AttestoError } from './errors';

/** The zone of schools registered without one: attesto's schools are French first. */
export const DEFAULT_TIME_ZONE = 'Europe/Paris';

/** A school's zone, the default for schools registered before schools had one. */
export const timeZoneOf = (school: { timeZone?: string }) => school.timeZone ?? DEFAULT_TIME_ZONE;

const formats = new Map<string, Intl.DateTimeFormat>();
/** The zone's formatter, made once: making one costs far more than using it. */
function formatOf(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
  return f;
}

/**
 * The IANA name of a time zone this runtime knows (`Europe/Paris`, `America/Guadeloupe`,
 * `Pacific/Noumea`), as the time zone database spells it; undefined for any other value.
 */
export function canonicalTimeZone(value: string): string | undefined {
  // Area/Location names, or UTC: not the legacy abbreviations (EST would be Panama, without daylight saving).
  if (value.length > 64 || (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){1,2}$/.test(value) && value.toUpperCase() !== 'UTC')) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** `value` as canonicalTimeZone spells it, or VALIDATION_FAILED naming the field. */
export function requireTimeZone(value: string): string {
  const zone = canonicalTimeZone(value);
  if (zone) return zone;
  throw new AttestoError('VALIDATION_FAILED', 'timeZone must be an IANA time zone name, such as Europe/Paris, America/Guadeloupe or Pacific/Noumea', { errors: [{ pointer: '/timeZone', message: 'is not a time zone name' }] });
}

/** The zone's offset from UTC at an instant, in seconds (`GMT+01:00` → 3600; historic ones have seconds: `GMT-00:44:30`). */
function offsetSeconds(at: number, timeZone: string): number {
  const name = formatOf(timeZone).formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) : 0;
}

/** Dates and times of credentials issued before schools had zones: UTC, written `Z` (zonedDateTime's legacy form). */
export const UTC_Z = 'Z';

/**
 * `date` (YYYY-MM-DD) at `time` (HH:MM:SS) on the zone's clock, as an RFC 3339 date-time with the
 * zone's offset then: in summer, Paris is +02:00. Where a change of offset makes that time occur
 * twice (clocks set back), `first` says which: the first (a day's start) or the last (its end);
 * where it does not occur at all (clocks set forward at midnight, as in Santiago), the instant the
 * day begins at. The zone `UTC_Z` writes UTC as `Z`, as credentials did before schools had zones.
 */
export function zonedDateTime(date: string, time: string, timeZone: string, which: 'first' | 'last' = 'first'): string {
  if (timeZone === UTC_Z) return `${date}T${time}Z`;
  // A year group's credentials carry the same few dates: each is worked out once.
  const id = `${date}T${time} ${timeZone} ${which}`;
  let value = zoned.get(id);
  if (value === undefined) {
    if (zoned.size >= 10_000) zoned.clear();
    zoned.set(id, (value = computeZoned(date, time, timeZone, which)));
  }
  return value;
}

const zoned = new Map<string, string>();

function computeZoned(date: string, time: string, timeZone: string, which: 'first' | 'last'): string {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  // Not Date.UTC, which reads years 0 to 99 as 1900 to 1999 (and so their offsets).
  const wall = new Date(0).setUTCFullYear(y, mo - 1, d) + ((h * 60 + mi) * 60 + s) * 1000;
  // The offsets around it; each gives an instant, which is the wall time only if the zone is at that offset then.
  const offsets = [...new Set([-86_400_000, 0, 86_400_000].map((around) => offsetSeconds(wall + around, timeZone)))];
  const instants = offsets.map((o) => ({ o, at: wall - o * 1000 })).filter(({ o, at }) => offsetSeconds(at, timeZone) === o);
  instants.sort((a, b) => a.at - b.at);
  // None: the time was skipped. Read with the offset before the change, it is the instant the clocks jumped.
  const offset = (which === 'first' ? instants[0] : instants.at(-1))?.o ?? offsetSeconds(wall - 86_400_000, timeZone);
  // RFC 3339 offsets are whole minutes: a historic offset with seconds (Monrovia before 1972) is
  // rounded so that the instant stays within the day (a start a few seconds late, an end early).
  const minutes = which === 'first' ? Math.floor(offset / 60) : Math.ceil(offset / 60);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${date}T${time}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The date (YYYY-MM-DD) it is in the zone at an instant. */
export function localDate(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
