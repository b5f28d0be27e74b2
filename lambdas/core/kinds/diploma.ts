/** Building the issued subject of a DiplomaCredential: the Open Badges 3.0 mapping (schemas in diploma.schema.ts). */
import type { DiplomaInput } from './diploma.schema';
import { recipientIdentifier, startOfDay, type SubjectContext } from './common';

export function buildDiplomaSubject(input: DiplomaInput, ctx: SubjectContext) {
  const achievementId = input.level.rncp
    ? `https://www.francecompetences.fr/recherche/rncp/${input.level.rncp.slice(4)}/`
    : `urn:attesto:${ctx.school.uai}:diploma:${encodeURIComponent(input.title)}`;
  const alignment: Record<string, unknown>[] = [
    { type: ['Alignment'], targetName: `EQF level ${input.level.eqf}`, targetFramework: 'EQF', targetCode: String(input.level.eqf), targetType: 'ceterms:Credential', targetUrl: 'https://europass.europa.eu/en/description-eight-eqf-levels' },
  ];
  if (input.level.rncp) {
    alignment.push({ type: ['Alignment'], targetName: input.title, targetFramework: 'RNCP', targetCode: input.level.rncp, targetType: 'ceterms:Credential', targetUrl: achievementId });
  }
  const honoursId = `${achievementId}#honours`;
  return {
    ...(input.id ? { id: input.id } : {}),
    type: ['AchievementSubject'],
    identifier: recipientIdentifier(input.student),
    student: input.student,
    // DateTime in OB 3.0, the instant of awardedDate.
    activityEndDate: startOfDay(input.awardDate, ctx.school.timeZone),
    achievement: {
      id: achievementId,
      type: ['Achievement'],
      achievementType: 'Diploma',
      name: input.title,
      // Required of every Achievement by OB 3.0 (https://www.imsglobal.org/spec/ob/v3p0/#achievement).
      description: `${input.title}${input.specialty ? `, ${input.specialty}` : ''} : diplôme de niveau ${input.level.eqf} du cadre européen des certifications${input.level.rncp ? ` (${input.level.rncp})` : ''}.`,
      criteria: { narrative: `Diplôme délivré par ${input.awardingBody.name}.` },
      creator: { id: input.awardingBody.id ?? ctx.school.did, type: ['Profile'], name: input.awardingBody.name },
      ...(input.specialty ? { fieldOfStudy: input.specialty, specialization: input.specialty } : {}),
      alignment,
      ...(input.honours ? { resultDescription: [{ id: honoursId, type: ['ResultDescription'], name: 'Mention', resultType: 'LetterGrade' }] } : {}),
    },
    ...(input.honours ? { result: [{ type: ['Result'], resultDescription: honoursId, value: input.honours }] } : {}),
  };
}
