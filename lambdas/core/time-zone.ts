/**
 * A school's time zone: the dates a school writes (a period ending 31 January, a diploma awarded
 * on 4 July) are days on its own calendar. As instants (Open Badges 3.0 DateTimes, an enrolment's
 * end of validity) they carry its offset: `2027-01-31T23:59:59+01:00`, which a wallet in Paris
 * shows as 31 January, where `2027-01-31T23:59:59Z` would show as 1 February, 00:59.
 */

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
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The zone's offset from UTC at an instant, in minutes (`GMT+01:00` → 60). */
function offsetMinutes(at: number, timeZone: string): number {
  const name = formatOf(timeZone).formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * `date` (YYYY-MM-DD) at `time` (HH:MM:SS) on the zone's clock, as an RFC 3339 date-time with the
 * zone's offset then. The offset is the one in force at that instant: in summer, Paris is +02:00.
 */
export function zonedDateTime(date: string, time: string, timeZone: string): string {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // The offset at the instant the wall time would be with the offset of that instant read as UTC;
  // read again at the instant it gives, which differs only around a change of offset.
  let offset = offsetMinutes(wall, timeZone);
  offset = offsetMinutes(wall - offset * 60_000, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${date}T${time}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The date (YYYY-MM-DD) it is in the zone at an instant. */
export function localDate(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
