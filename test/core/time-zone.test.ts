/** A school's days as instants: the first and last second of a date on the school's own clock. */
import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, UTC_Z, zonedDateTime } from '../../lambdas/core/time-zone';

/** The date and time an instant reads on the zone's clock. */
const reads = (instant: string, timeZone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(new Date(instant));

describe('a date on a school clock', () => {
  it("carries the zone's offset on that day: Paris in winter and in summer, Guadeloupe, Nouméa, Kolkata's half hour", () => {
    expect(zonedDateTime('2027-01-31', '23:59:59', 'Europe/Paris', 'last')).toBe('2027-01-31T23:59:59+01:00');
    expect(zonedDateTime('2027-07-04', '00:00:00', 'Europe/Paris')).toBe('2027-07-04T00:00:00+02:00');
    expect(zonedDateTime('2027-07-04', '00:00:00', 'America/Guadeloupe')).toBe('2027-07-04T00:00:00-04:00');
    expect(zonedDateTime('2027-07-04', '00:00:00', 'Pacific/Noumea')).toBe('2027-07-04T00:00:00+11:00');
    expect(zonedDateTime('2027-07-04', '00:00:00', 'Asia/Kolkata')).toBe('2027-07-04T00:00:00+05:30');
  });

  it('starts a day whose midnight the clocks skip (Santiago, Havana) when the day begins, not on the day before', () => {
    for (const [date, zone] of [['2025-09-07', 'America/Santiago'], ['2026-03-08', 'America/Havana']] as const) {
      const start = zonedDateTime(date, '00:00:00', zone);
      expect(reads(start, zone), zone).toBe(`${date} 01:00:00`);
      // One second before is the day before.
      expect(reads(new Date(Date.parse(start) - 1000).toISOString(), zone).slice(0, 10), zone).not.toBe(date);
    }
  });

  it('ends a day whose last hour the clocks repeat (Santiago, April) at its last second, the second time round', () => {
    const end = zonedDateTime('2027-04-03', '23:59:59', 'America/Santiago', 'last');
    expect(reads(end, 'America/Santiago')).toBe('2027-04-03 23:59:59');
    expect(reads(new Date(Date.parse(end) + 1000).toISOString(), 'America/Santiago')).toBe('2027-04-04 00:00:00');
  });

  it('keeps a historic offset with seconds (Monrovia before 1972, -00:44:30) within the day, in whole minutes', () => {
    const start = zonedDateTime('1970-07-04', '00:00:00', 'Africa/Monrovia');
    expect(start).toMatch(/^1970-07-04T00:00:00-00:4[45]$/);
    expect(reads(start, 'Africa/Monrovia').slice(0, 10)).toBe('1970-07-04');
  });

  it('reads years 0 to 99 as themselves, not as 1900 to 1999 (Paris had its local mean time then, not summer time)', () => {
    expect(zonedDateTime('0099-09-01', '00:00:00', 'Europe/Paris')).toBe('0099-09-01T00:00:00+00:09');
    expect(zonedDateTime('1999-09-01', '00:00:00', 'Europe/Paris')).toBe('1999-09-01T00:00:00+02:00');
  });

  it('writes UTC as Z in the form credentials had before schools had zones', () => {
    expect(zonedDateTime('2027-07-04', '23:59:59', UTC_Z, 'last')).toBe('2027-07-04T23:59:59Z');
  });
});

describe('a time zone name', () => {
  it('is an IANA Area/Location name (or UTC), written as the time zone database writes it', () => {
    expect(canonicalTimeZone('pacific/noumea')).toBe('Pacific/Noumea');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toEqual(expect.stringMatching(/Buenos_Aires$/));
  });

  it('is not a legacy abbreviation (EST would be Panama, without daylight saving), an offset or a path', () => {
    for (const name of ['EST', 'CET', 'MST', '+01:00', 'GMT+1', '../etc/passwd', 'Mars/Olympus_Mons', 'Europe/Paris/Extra/More', '']) expect(canonicalTimeZone(name), name).toBeUndefined();
  });
});
