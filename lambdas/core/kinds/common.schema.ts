/**
 * Building blocks shared by the credential kinds. Every string and array is bounded:
 * the issue endpoint faces the internet.
 */
import { Type, type Static } from '@sinclair/typebox';

export const Text = (maxLength = 200, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });

export const IsoDate = (description?: string) =>
  Type.String({ format: 'date', ...(description ? { description } : {}) });

export const HolderDid = Type.String({
  pattern: '^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$',
  maxLength: 2048,
  description: "The holder's DID, when the credential is bound to a wallet key.",
});

export const AcademicYear = Type.String({ pattern: '^\\d{4}-\\d{4}$', description: 'e.g. 2025-2026' });

export const Student = Type.Object(
  {
    givenName: Text(100),
    familyName: Text(100),
    birthDate: IsoDate(),
    studentId: Type.Optional(
      Type.String({ pattern: '^[0-9A-Z]{11}$', description: 'INE (Identifiant National Élève), 11 characters.' }),
    ),
  },
  { additionalProperties: false },
);
export type Student = Static<typeof Student>;

export const SchoolRef = Type.Object(
  { id: Type.String({ pattern: '^did:' }), uai: Type.String(), name: Type.String() },
  { additionalProperties: false },
);

/** OB 3.0 Profile of the school, as `achievement.creator` and as issuer details. */
export const Profile = Type.Object(
  { id: Type.String(), type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal('Profile') }), name: Type.String() },
  { additionalProperties: true },
);
