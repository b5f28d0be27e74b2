/** RFC 3339 text as an instant (core/instant.ts): strict, the same on every machine. */
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../lambdas/core/instant';

describe('an RFC 3339 instant', () => {
  it('is a date-time with its offset, in either case (RFC 3339 §5.6)', () => {
    expect(parseInstant('2027-07-04T23:59:59+02:00')?.toISOString()).toBe('2027-07-04T21:59:59.000Z');
    expect(parseInstant('2027-07-04t21:59:59z')?.toISOString()).toBe('2027-07-04T21:59:59.000Z');
    expect(parseInstant('0050-09-01T00:00:00Z')?.toISOString()).toBe('0050-09-01T00:00:00.000Z');
  });

  it('is nothing else: no offset, prose, a day or an hour that does not exist, a date alone unless allowed', () => {
    for (const text of ['2027-07-04T23:59:59', 'July 4, 2027', '2027-02-31T00:00:00Z', '2027-07-04T24:00:00Z', '2027-07-04T23:59:60Z', '2027-07-04', '2027', ' 2027-07-04T00:00:00Z']) {
      expect(parseInstant(text), text).toBeUndefined();
    }
    expect(parseInstant('2027-07-04', { dateOnly: true })?.toISOString()).toBe('2027-07-04T00:00:00.000Z');
    expect(parseInstant('2027-02-29', { dateOnly: true })).toBeUndefined();
  });
});
