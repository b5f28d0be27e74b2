/** Building the issued subject of a TranscriptCredential: the Open Badges 3.0 mapping (schemas in transcript.schema.ts). */
import type { ResultStatus, TranscriptInput } from './transcript.schema';
import { endOfDay, recipientIdentifier, startOfDay, type SubjectContext } from './common';

/** French grading, when the transcript names no scale. */
export const DEFAULT_SCALE = { min: 0, max: 20 };

export function buildTranscriptSubject(input: TranscriptInput, ctx: SubjectContext) {
  const base = `urn:attesto:${ctx.school.uai}:transcript:${input.academicYear}:${slug(input.period.label)}`;
  const scale = input.scale ?? DEFAULT_SCALE;
  const descriptions: Record<string, unknown>[] = input.subjects.map((s, i) => ({
    // Coded subjects by their code (unique, checked at issuance), the others by position, apart:
    // a subject coded "2" and the second uncoded subject must not share a description.
    id: s.code !== undefined ? `${base}:subject:${s.code}` : `${base}:subject-position:${i + 1}`,
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
  if (overall?.result !== undefined || overall?.status !== undefined) {
    const id = `${base}:overall-result`;
    // OB 3.0 (Result.status): "Required if resultType of the linked ResultDescription is Status", and a
    // Status result without one reads as Completed. So the outcome is a Status only when it is known
    // (given, or one of the usual words); any other text is kept as a plain Result.
    const status = overall.status ?? outcomeOf(overall.result!);
    descriptions.push({ id, type: ['ResultDescription'], name: 'Résultat', resultType: status ? 'Status' : 'Result' });
    results.push({ type: ['Result'], resultDescription: id, value: overall.result ?? STATUS_LABELS[status!], ...(status ? { status } : {}) });
  }
  return {
    ...(input.id ? { id: input.id } : {}),
    type: ['AchievementSubject'],
    identifier: recipientIdentifier(input.student),
    student: input.student,
    term: `${input.period.label} ${input.academicYear}`,
    // DateTime in OB 3.0: the period's first and last second.
    activityStartDate: startOfDay(input.period.startDate, ctx.school.timeZone),
    activityEndDate: endOfDay(input.period.endDate, ctx.school.timeZone),
    ...(overall?.ects !== undefined ? { creditsEarned: overall.ects } : {}),
    achievement: {
      id: base,
      type: ['Achievement'],
      achievementType: 'Assessment',
      name: `Relevé de notes — ${input.period.label} ${input.academicYear}`,
      // Required of every Achievement by OB 3.0 (https://www.imsglobal.org/spec/ob/v3p0/#achievement).
      description: `Notes et appréciations de la période « ${input.period.label} » de l'année ${input.academicYear}, du ${input.period.startDate} au ${input.period.endDate}, par ${ctx.school.name}.`,
      criteria: { narrative: input.programme ? `Évaluations du programme ${input.programme}.` : 'Évaluations de la période.' },
      creator: { id: ctx.school.did, type: ['Profile'], name: ctx.school.name },
      resultDescription: descriptions,
    },
    result: results,
  };
}

/** What the usual French outcomes mean, as Open Badges' ResultStatusType. Only whole words: "Admissible" is not "Admis". */
const USUAL_OUTCOMES: Record<string, ResultStatus> = Object.fromEntries([
  ...['admis', 'admise', 'reçu', 'reçue', 'validé', 'validée'].map((w) => [w, 'Completed'] as const),
  ...['ajourné', 'ajournée', 'refusé', 'refusée', 'non admis', 'non admise', 'non validé', 'non validée'].map((w) => [w, 'Failed'] as const),
]);

/** The status a usual outcome word means, or undefined for any other text. */
export function outcomeOf(result: string): ResultStatus | undefined {
  return USUAL_OUTCOMES[result.normalize('NFC').trim().toLocaleLowerCase('fr').replace(/\s+/g, ' ')];
}

/** The text of an outcome given only as a status. */
const STATUS_LABELS: Record<ResultStatus, string> = {
  Completed: 'Validé',
  Enrolled: 'Inscrit',
  Failed: 'Non validé',
  InProgress: 'En cours',
  OnHold: 'Suspendu',
  Provisional: 'Provisoire',
  Withdrew: 'Abandon',
};

function slug(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'period';
}
