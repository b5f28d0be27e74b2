/**
 * The fixtures for tests that go through a server on the real clock (the local home, the
 * handlers as deployed): the same subjects as ./fixtures.ts, each of a school year that makes it
 * issuable on the day the suite runs (test/core/live-fixtures.test.ts tries every day of a year).
 * An enrolment is of the school year in progress, so that it (valid until its endDate, 4 July) is
 * never already over; from 4 June on, of the coming school year: a month before the end, a
 * credential valid "until the end of the year" would be short enough to trip the checks on short
 * validity. A transcript is of the latest school year begun (a period not begun has no grades), a
 * diploma of the latest one awarded (4 July).
 */
import { issueRequestOver, subjectsOfSchoolYear, type KindName } from './fixtures';

export { PERSONAL_VALUES, KINDS, KIND_FORMAT_CASES, maximalTranscriptSubject, type KindName } from './fixtures';

/** The first calendar year of the school year an enrolment of the fixtures is of at `now`. */
export function liveSchoolYear(now: Date): number {
  return latestYearFrom(now, 5, 4);
}

/** This year if `now` is past month/day (UTC) this year, else the year before. */
const latestYearFrom = (now: Date, month: number, day: number) => (now.getTime() >= Date.UTC(now.getUTCFullYear(), month, day) ? now.getUTCFullYear() : now.getUTCFullYear() - 1);

/** The subjects the fixtures use at `now`. */
export function liveSubjects(now: Date): Record<KindName, Record<string, unknown>> {
  return {
    EnrollmentCredential: subjectsOfSchoolYear(liveSchoolYear(now)).enrollment,
    TranscriptCredential: subjectsOfSchoolYear(latestYearFrom(now, 8, 1)).transcript,
    DiplomaCredential: subjectsOfSchoolYear(latestYearFrom(now, 6, 4)).diploma,
  };
}

export const SUBJECTS = liveSubjects(new Date());

export const issueRequest = issueRequestOver(SUBJECTS);
