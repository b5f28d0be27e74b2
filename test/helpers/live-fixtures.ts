/**
 * The fixtures for tests that go through a server on the real clock (the local home, the
 * handlers as deployed): the same subjects as ./fixtures.ts, in the school year in progress, so
 * that an enrolment (valid until its endDate, 4 July) is never already over when the suite runs.
 * From 4 June on, it is the coming school year: a month before the end, a credential valid
 * "until the end of the year" would be short enough to trip the checks on short validity.
 */
import { issueRequestOver, subjectsOfSchoolYear, type KindName } from './fixtures';

export { PERSONAL_VALUES, KINDS, KIND_FORMAT_CASES, maximalTranscriptSubject, type KindName } from './fixtures';

/** The first calendar year of the school year the fixtures use at `now`. */
export function liveSchoolYear(now: Date): number {
  const y = now.getUTCFullYear();
  return now.getTime() >= Date.UTC(y, 5, 4) ? y : y - 1;
}

const live = subjectsOfSchoolYear(liveSchoolYear(new Date()));

export const SUBJECTS: Record<KindName, Record<string, unknown>> = {
  EnrollmentCredential: live.enrollment,
  TranscriptCredential: live.transcript,
  DiplomaCredential: live.diploma,
};

export const issueRequest = issueRequestOver(SUBJECTS);
