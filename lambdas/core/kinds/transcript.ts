/**
 * TranscriptCredential: the "relevé de notes". Mapped onto Open Badges 3.0's AchievementSubject:
 * the period's assessment is the `achievement`, each subject a `ResultDescription` (with its scale,
 * coefficient and ECTS), each grade a `Result`, and the overall outcome two more results.
 * https://www.imsglobal.org/spec/ob/v3p0/#achievementsubject
 */
import { Type, type Static } from '@sinclair/typebox';
import { AcademicYear, HolderDid, IsoDate, Profile, Student, Text, type SubjectContext } from './common';

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
    type: Type.Array(Type.String(), { contains: Type.Literal('ResultDescription') }),
    name: Type.String(),
    resultType: Type.String(),
  },
  { additionalProperties: true },
);
const Result = Type.Object(
  {
    type: Type.Array(Type.String(), { contains: Type.Literal('Result') }),
    resultDescription: Type.String(),
    value: Type.String(),
  },
  { additionalProperties: true },
);

export const TranscriptSubject = Type.Object(
  {
    id: Type.Optional(HolderDid),
    type: Type.Array(Type.String(), { contains: Type.Literal('AchievementSubject') }),
    student: Student,
    term: Type.String(),
    activityStartDate: Type.String(),
    activityEndDate: Type.String(),
    creditsEarned: Type.Optional(Type.Number()),
    achievement: Type.Object(
      {
        id: Type.String(),
        type: Type.Array(Type.String(), { contains: Type.Literal('Achievement') }),
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

const DEFAULT_SCALE = { min: 0, max: 20 };

export function buildTranscriptSubject(input: TranscriptInput, ctx: SubjectContext) {
  const base = `urn:attesto:${ctx.school.uai}:transcript:${input.academicYear}:${slug(input.period.label)}`;
  const scale = input.scale ?? DEFAULT_SCALE;
  const descriptions: Record<string, unknown>[] = input.subjects.map((s, i) => ({
    id: `${base}:subject:${s.code ?? i + 1}`,
    type: ['ResultDescription'],
    name: s.name,
    resultType: 'RawScore',
    valueMin: String((s.scale ?? scale).min),
    valueMax: String((s.scale ?? scale).max),
    ...(s.coefficient !== undefined ? { coefficient: s.coefficient } : {}),
    ...(s.ects !== undefined ? { creditsAvailable: s.ects } : {}),
  }));
  const results: Record<string, unknown>[] = input.subjects.map((s, i) => ({
    type: ['Result'],
    resultDescription: descriptions[i]!.id,
    value: String(s.grade),
  }));
  const overall = input.overall;
  if (overall?.average !== undefined) {
    const id = `${base}:overall-average`;
    descriptions.push({ id, type: ['ResultDescription'], name: 'Moyenne générale', resultType: 'GradePointAverage', valueMin: String(scale.min), valueMax: String(scale.max) });
    results.push({ type: ['Result'], resultDescription: id, value: String(overall.average) });
  }
  if (overall?.result !== undefined) {
    const id = `${base}:overall-result`;
    descriptions.push({ id, type: ['ResultDescription'], name: 'Résultat', resultType: 'Status' });
    results.push({ type: ['Result'], resultDescription: id, value: overall.result });
  }
  return {
    ...(input.id ? { id: input.id } : {}),
    type: ['AchievementSubject'],
    student: input.student,
    term: `${input.period.label} ${input.academicYear}`,
    activityStartDate: input.period.startDate,
    activityEndDate: input.period.endDate,
    ...(overall?.ects !== undefined ? { creditsEarned: overall.ects } : {}),
    achievement: {
      id: base,
      type: ['Achievement'],
      achievementType: 'Assessment',
      name: `Relevé de notes — ${input.period.label} ${input.academicYear}`,
      criteria: { narrative: input.programme ? `Évaluations du programme ${input.programme}.` : 'Évaluations de la période.' },
      creator: { id: ctx.school.did, type: ['Profile'], name: ctx.school.name },
      resultDescription: descriptions,
    },
    result: results,
  };
}

function slug(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'period';
}
