/**
 * DiplomaCredential. Mapped onto Open Badges 3.0: the diploma is an `Achievement` of type
 * "Diploma" aligned to its EQF level and, where it applies, its RNCP entry (France Compétences);
 * honours ("mention") are a `Result`. https://www.imsglobal.org/spec/ob/v3p0/#achievement
 */
import { Type, type Static } from '@sinclair/typebox';
import { HolderDid, IsoDate, Profile, Student, Text } from './common.schema';

export const DiplomaInput = Type.Object(
  {
    id: Type.Optional(HolderDid),
    student: Student,
    title: Text(200, 'e.g. "Baccalauréat général"'),
    level: Type.Object(
      {
        eqf: Type.Integer({ minimum: 1, maximum: 8, description: 'European Qualifications Framework level.' }),
        rncp: Type.Optional(Type.String({ pattern: '^RNCP\\d{3,6}$', description: 'RNCP code, e.g. "RNCP35185".' })),
      },
      { additionalProperties: false },
    ),
    specialty: Type.Optional(Text(200)),
    honours: Type.Optional(Text(100, 'Mention, e.g. "Très bien".')),
    awardDate: IsoDate(),
    awardingBody: Type.Object(
      { name: Text(200), id: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'DiplomaInput' },
);
export type DiplomaInput = Static<typeof DiplomaInput>;

export const DiplomaSubject = Type.Object(
  {
    id: Type.Optional(HolderDid),
    type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('AchievementSubject') }),
    student: Student,
    activityEndDate: Type.String(),
    achievement: Type.Object(
      {
        id: Type.String(),
        type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('Achievement') }),
        achievementType: Type.Literal('Diploma'),
        name: Type.String(),
        criteria: Type.Object({ narrative: Type.String() }),
        creator: Profile,
        alignment: Type.Array(Type.Object({ targetFramework: Type.String(), targetCode: Type.String() }, { additionalProperties: true }), { minItems: 1 }),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
