/**
 * The enrolment example the local home prints must be valid on the day it is printed, whatever
 * the day: an enrolment is valid until its end date, the last day of its school year.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { exampleSchoolYear } from '../../lambdas/local/demo';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { coreDeps, schoolWithToken } from '../helpers/core';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0750002'));
});
afterAll(() => env.close());

describe('the demo school\'s enrolment example', () => {
  it.each([
    ['2026-11-22T10:00:00Z', '2026-2027'],
    ['2027-01-01T00:00:00Z', '2026-2027'],
    // 4 July ends at 22:00 UTC in Paris (summer time), the demo school's zone.
    ['2027-07-04T21:59:00Z', '2026-2027'],
    ['2027-07-04T22:00:00Z', '2027-2028'],
    ['2027-07-05T00:00:00Z', '2027-2028'],
    ['2027-07-20T08:00:00Z', '2027-2028'],
    ['2027-08-31T23:59:59Z', '2027-2028'],
    ['2027-09-01T00:00:00Z', '2027-2028'],
  ])('printed on %s is for school year %s, and issues a credential still valid', async (at, academicYear) => {
    const now = new Date(at);
    const year = exampleSchoolYear(now);
    expect(year.academicYear).toBe(academicYear);
    deps.now.value = now;
    const r = await issueCredential(deps, {
      school,
      actor: 'school:test',
      request: { credential: { type: ['VerifiableCredential', 'EnrollmentCredential'], credentialSubject: { student: { givenName: 'Camille', familyName: 'Martin', birthDate: '2008-03-14' }, level: 'Terminale', ...year } } },
    });
    expect(decodeJwt(r.verifiableCredential as string).exp! * 1000).toBeGreaterThan(now.getTime());
  });
});
