/**
 * TranscriptCredential: the "relevé de notes". Mapped onto Open Badges 3.0's AchievementSubject:
 * the period's assessment is the `achievement`, each subject a `ResultDescription` (with its scale,
 * coefficient and ECTS), each grade a `Result`, and the overall outcome two more results.
 * https://www.imsglobal.org/spec/ob/v3p0/#achievementsubject
 */
import { Type, type Static } from '@sinclair/typebox';
import { AcademicYear, HolderDid, IsoDate, Profile, Student, Text } from './common.schema';

/** Open Badges 3.0 ResultStatusType (https://www.imsglobal.org/spec/ob/v3p0/#resultstatustype). */
export const RESULT_STATUSES = ['Completed', 'Enrolled', 'Failed', 'InProgress', 'OnHold', 'Provisional', 'Withdrew'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

const Scale = Type.Object(
  { min: Type.Number(), max: Type.Number() },
  { additionalProperties: false, description: 'Grading scale; defaults to 0–20.' },
);

export const TranscriptInput = Type.Object(
  {
    id: Type.Optional(HolderDid),
    student: Student,
    academicYear: AcademicYear,
    period: Type.Object(
      { label: Text(100, 'e.g. "Semestre 1"'), startDate: IsoDate(), endDate: IsoDate() },
      { additionalProperties: false },
    ),
    programme: Type.Optional(Text(200)),
    scale: Type.Optional(Scale),
    subjects: Type.Array(
      Type.Object(
        {
          code: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$' })),
          name: Text(120),
          grade: Type.Number(),
          scale: Type.Optional(Scale),
          coefficient: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
          ects: Type.Optional(Type.Number({ minimum: 0, maximum: 60 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 60 },
    ),
    overall: Type.Optional(
      Type.Object(
        {
          average: Type.Optional(Type.Number()),
          result: Type.Optional(Text(100, 'e.g. "Admis", "Ajourné"')),
          status: Type.Optional(
            Type.Union(RESULT_STATUSES.map((s) => Type.Literal(s)), {
              description:
                'The outcome as Open Badges 3.0 reads it (ResultStatusType). Without it, "Admis", "Admise", "Reçu(e)", "Validé(e)" read as Completed and "Ajourné(e)", "Refusé(e)", "Non admis(e)", "Non validé(e)" as Failed; any other result is kept as text only.',
            }),
          ),
          ects: Type.Optional(Type.Number({ minimum: 0, maximum: 300 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: 'TranscriptInput' },
);
export type TranscriptInput = Static<typeof TranscriptInput>;

const ResultDescription = Type.Object(
  {
    id: Type.String(),
    type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('ResultDescription') }),
    name: Type.String(),
    resultType: Type.String(),
  },
  { additionalProperties: true },
);
const Result = Type.Object(
  {
    type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('Result') }),
    resultDescription: Type.String(),
    value: Type.String(),
  },
  { additionalProperties: true },
);

export const TranscriptSubject = Type.Object(
  {
    id: Type.Optional(HolderDid),
    type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('AchievementSubject') }),
    student: Student,
    term: Type.String(),
    activityStartDate: Type.String(),
    activityEndDate: Type.String(),
    creditsEarned: Type.Optional(Type.Number()),
    achievement: Type.Object(
      {
        id: Type.String(),
        type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('Achievement') }),
        achievementType: Type.Literal('Assessment'),
        name: Type.String(),
        criteria: Type.Object({ narrative: Type.String() }),
        creator: Profile,
        resultDescription: Type.Array(ResultDescription, { minItems: 1 }),
      },
      { additionalProperties: true },
    ),
    result: Type.Array(Result, { minItems: 1 }),
  },
  { additionalProperties: true },
);
