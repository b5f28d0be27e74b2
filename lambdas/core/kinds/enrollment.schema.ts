/**
 * EnrollmentCredential: the "attestation de scolarité". A student is enrolled at a school
 * for an academic year, in a level or programme, between two dates.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AcademicYear, HolderDid, IsoDate, SchoolRef, Student, Text } from './common.schema';

export const EnrollmentInput = Type.Object(
  {
    id: Type.Optional(HolderDid),
    student: Student,
    academicYear: AcademicYear,
    level: Type.Optional(Text(100, 'e.g. "Terminale", "Licence 2"')),
    programme: Type.Optional(Text(200, 'e.g. "Baccalauréat général, spécialités Mathématiques et Physique-Chimie"')),
    startDate: IsoDate('First day of enrolment.'),
    endDate: IsoDate('Last day of enrolment.'),
  },
  { additionalProperties: false, $id: 'EnrollmentInput' },
);
export type EnrollmentInput = Static<typeof EnrollmentInput>;

export const EnrollmentSubject = Type.Object(
  {
    id: Type.Optional(HolderDid),
    type: Type.Literal('EnrolledStudent'),
    student: Student,
    school: SchoolRef,
    academicYear: AcademicYear,
    level: Type.Optional(Type.String()),
    programme: Type.Optional(Type.String()),
    startDate: IsoDate(),
    endDate: IsoDate(),
  },
  { additionalProperties: false },
);
