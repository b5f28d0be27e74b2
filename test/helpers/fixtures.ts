/**
 * Request fixtures. The personal values are deliberately distinctive, so a scan of the store can
 * prove none of them is kept after signing.
 */
import type { IssueRequest } from '../../lambdas/core/requests';

export const PERSONAL_VALUES = ['Zéphyrine', 'Quasimodo-Vertbois', '2007-11-23', '123456789AB', '17.75', 'Philosophie comparée', 'Très bien avec félicitations'];

export const student = { givenName: 'Zéphyrine', familyName: 'Quasimodo-Vertbois', birthDate: '2007-11-23', studentId: '123456789AB' };

export const enrollmentSubject = {
  student,
  academicYear: '2026-2027',
  level: 'Terminale',
  programme: 'Baccalauréat général',
  startDate: '2026-09-01',
  endDate: '2027-07-04',
};

export const transcriptSubject = {
  student,
  academicYear: '2026-2027',
  period: { label: 'Semestre 1', startDate: '2026-09-01', endDate: '2027-01-31' },
  programme: 'Licence de philosophie',
  subjects: [
    { code: 'PHI101', name: 'Philosophie comparée', grade: 17.75, coefficient: 3, ects: 6 },
    { name: 'Logique', grade: 12, ects: 6 },
    { name: 'Anglais', grade: 88, scale: { min: 0, max: 100 }, ects: 3 },
  ],
  overall: { average: 15.1, result: 'Admis', ects: 15 },
};

export const diplomaSubject = {
  student,
  title: 'Baccalauréat général',
  level: { eqf: 4, rncp: 'RNCP35185' },
  specialty: 'Mathématiques, Physique-Chimie',
  honours: 'Très bien avec félicitations',
  awardDate: '2027-07-04',
  awardingBody: { name: 'Académie de Paris', id: 'https://www.ac-paris.fr' },
};

/**
 * The largest transcript the schema allows: 60 subjects, every text at its longest, in control
 * characters (6 bytes each once escaped in JSON, the most a character can cost).
 */
const longest = (n: number) => '\u0001'.repeat(n);
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

export function issueRequest(kind: KindName = 'EnrollmentCredential', format: 'jwt_vc' | 'vc+jwt' | 'dc+sd-jwt' = 'jwt_vc', subject: Record<string, unknown> = SUBJECTS[kind]): IssueRequest {
  return { credential: { type: ['VerifiableCredential', kind], credentialSubject: subject }, options: { format } };
}

/** A fixed instant inside the fixtures' validity windows. */
export const NOW = new Date('2026-11-22T10:00:00Z');
