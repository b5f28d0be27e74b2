/**
 * Request fixtures. The personal values are deliberately distinctive, so a scan of the store can
 * prove none of them is kept after signing. The grade has four decimals: a stored time such as
 * `…T01:42:17.758Z` contains `17.75`, never `17.3125`.
 */
import type { IssueRequest } from '../../lambdas/core/requests';

export const PERSONAL_VALUES = ['Zéphyrine', 'Quasimodo-Vertbois', '2007-11-23', '123456789AB', '17.3125', 'Philosophie comparée', 'Très bien avec félicitations'];

export const student = { givenName: 'Zéphyrine', familyName: 'Quasimodo-Vertbois', birthDate: '2007-11-23', studentId: '123456789AB' };

/**
 * The subjects of one school year, `y`-`y+1` (September to July). The core and use-case tests run
 * on a frozen clock (NOW) in school year 2026-2027; tests that go through a server on the real
 * clock use ./live-fixtures.ts, the same subjects for the school year in progress.
 */
export function subjectsOfSchoolYear(y: number) {
  const enrollment = {
    student,
    academicYear: `${y}-${y + 1}`,
    level: 'Terminale',
    programme: 'Baccalauréat général',
    startDate: `${y}-09-01`,
    endDate: `${y + 1}-07-04`,
  };
  const transcript = {
    student,
    academicYear: `${y}-${y + 1}`,
    period: { label: 'Semestre 1', startDate: `${y}-09-01`, endDate: `${y + 1}-01-31` },
    programme: 'Licence de philosophie',
    subjects: [
      { code: 'PHI101', name: 'Philosophie comparée', grade: 17.3125, coefficient: 3, ects: 6 },
      { name: 'Logique', grade: 12, ects: 6 },
      { name: 'Anglais', grade: 88, scale: { min: 0, max: 100 }, ects: 3 },
    ],
    overall: { average: 15.1, result: 'Admis', ects: 15 },
  };
  const diploma = {
    student,
    title: 'Baccalauréat général',
    level: { eqf: 4, rncp: 'RNCP35185' },
    specialty: 'Mathématiques, Physique-Chimie',
    honours: 'Très bien avec félicitations',
    // Awarded the summer before (a diploma is attested once awarded).
    awardDate: `${y}-07-04`,
    awardingBody: { name: 'Académie de Paris', id: 'https://www.ac-paris.fr' },
  };
  return { enrollment, transcript, diploma };
}

const year2026 = subjectsOfSchoolYear(2026);
export const enrollmentSubject = year2026.enrollment;
export const transcriptSubject = year2026.transcript;
export const diplomaSubject = year2026.diploma;

/**
 * The largest transcript attesto issues: 60 subjects, every text at its longest, in characters of
 * four UTF-8 bytes, the most a character it accepts can cost (control characters and lone
 * surrogates, six bytes once escaped in JSON, are refused).
 */
const longest = (n: number) => '😀'.repeat(n);
export const maximalTranscriptSubject = {
  student: { givenName: longest(100), familyName: longest(100), birthDate: '2007-11-23', studentId: '123456789AB' },
  academicYear: '2026-2027',
  period: { label: longest(100), startDate: '2026-09-01', endDate: '2027-01-31' },
  programme: longest(200),
  subjects: Array.from({ length: 60 }, (_, i) => ({ code: `${'X'.repeat(37)}${String(i).padStart(3, '0')}`, name: longest(120), grade: 17.75, coefficient: 3, ects: 6, scale: { min: 0, max: 20 } })),
  overall: { average: 15.1, result: longest(100), ects: 15 },
};

export type KindName = 'EnrollmentCredential' | 'TranscriptCredential' | 'DiplomaCredential';

export const SUBJECTS: Record<KindName, Record<string, unknown>> = {
  EnrollmentCredential: enrollmentSubject,
  TranscriptCredential: transcriptSubject,
  DiplomaCredential: diplomaSubject,
};

export const KINDS: KindName[] = ['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'];
export const FORMATS = ['jwt_vc', 'vc+jwt'] as const;
/** Every kind in every encoding. */
export const KIND_FORMAT_CASES: [KindName, (typeof FORMATS)[number]][] = FORMATS.flatMap((f) => KINDS.map((k) => [k, f] as [KindName, (typeof FORMATS)[number]]));

export type IssueRequestOf = (kind?: KindName, format?: 'jwt_vc' | 'vc+jwt' | 'dc+sd-jwt', subject?: Record<string, unknown>) => IssueRequest;

/** `issueRequest` over a given set of subjects. */
export const issueRequestOver =
  (subjects: Record<KindName, Record<string, unknown>>): IssueRequestOf =>
  (kind = 'EnrollmentCredential', format = 'jwt_vc', subject = subjects[kind]) => ({ credential: { type: ['VerifiableCredential', kind], credentialSubject: subject }, options: { format } });

export const issueRequest = issueRequestOver(SUBJECTS);

/** A fixed instant inside the fixtures' validity windows. */
export const NOW = new Date('2026-11-22T10:00:00Z');
