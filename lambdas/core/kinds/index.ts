/**
 * The registry of credential kinds: how each is validated on the way in, what `type`
 * and `@context` it carries, how its subject is built and how long it stays valid.
 */
import type { CredentialKind } from '../records';
import { endOfDay, startOfDay, type SubjectContext } from './common';
import { buildDiplomaSubject } from './diploma';
import type { DiplomaInput } from './diploma.schema';
import { buildEnrollmentSubject } from './enrollment';
import type { EnrollmentInput } from './enrollment.schema';
import { buildTranscriptSubject } from './transcript';
import type { TranscriptInput } from './transcript.schema';
import type { SchemaName } from '../schemas';
import * as validators from '../generated/validators';
import type { Validator } from '../validation';
import { KIND_NAMES, KIND_SLUGS, kindOf } from './names';

export { KIND_NAMES, kindOf };

/** Open Badges 3.0 JSON-LD context (bundled knowledge, never fetched at run time). */
export const OB3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

export interface KindDefinition {
  kind: CredentialKind;
  /** File stem of the published schemas: `/schemas/{slug}.json`, `/schemas/{slug}-credential.json`. */
  slug: string;
  title: { fr: string; en: string };
  /** Names (core/schemas.ts) of the schemas of the `credentialSubject` a school sends, and as issued. */
  schemas: { input: SchemaName; subject: SchemaName };
  validateInput: Validator;
  /** Types after "VerifiableCredential" (OB 3.0 kinds add AchievementCredential). */
  types: string[];
  extraContexts: string[];
  buildSubject(input: unknown, ctx: SubjectContext): Record<string, unknown>;
  /** Default end of validity when the request gives none (ISO date-time), or undefined for none; dates are days of the school's time zone. */
  defaultValidUntil(input: unknown, timeZone: string): string | undefined;
  /** Top-level claims beside credentialSubject (e.g. OB 3.0 `awardedDate`, `name`). */
  extraClaims(input: unknown, timeZone: string): Record<string, unknown>;
}


export const KINDS: Record<CredentialKind, KindDefinition> = {
  EnrollmentCredential: {
    kind: 'EnrollmentCredential',
    slug: KIND_SLUGS.EnrollmentCredential,
    title: { fr: 'Attestation de scolarité', en: 'Certificate of enrolment' },
    schemas: { input: 'EnrollmentInput', subject: 'EnrollmentSubject' },
    validateInput: validators.EnrollmentInput,
    types: ['EnrollmentCredential'],
    extraContexts: [],
    buildSubject: (i, ctx) => buildEnrollmentSubject(i as EnrollmentInput, ctx),
    // An enrolment attestation speaks for the enrolment period only.
    defaultValidUntil: (i, tz) => endOfDay((i as EnrollmentInput).endDate, tz),
    extraClaims: () => ({ name: 'Attestation de scolarité' }),
  },
  TranscriptCredential: {
    kind: 'TranscriptCredential',
    slug: KIND_SLUGS.TranscriptCredential,
    title: { fr: 'Relevé de notes', en: 'Transcript of records' },
    schemas: { input: 'TranscriptInput', subject: 'TranscriptSubject' },
    validateInput: validators.TranscriptInput,
    types: ['AchievementCredential', 'TranscriptCredential'],
    extraContexts: [OB3_CONTEXT],
    buildSubject: (i, ctx) => buildTranscriptSubject(i as TranscriptInput, ctx),
    defaultValidUntil: () => undefined,
    extraClaims: (i, tz) => ({
      name: `Relevé de notes — ${(i as TranscriptInput).period.label} ${(i as TranscriptInput).academicYear}`,
      awardedDate: endOfDay((i as TranscriptInput).period.endDate, tz),
    }),
  },
  DiplomaCredential: {
    kind: 'DiplomaCredential',
    slug: KIND_SLUGS.DiplomaCredential,
    title: { fr: 'Diplôme', en: 'Diploma' },
    schemas: { input: 'DiplomaInput', subject: 'DiplomaSubject' },
    validateInput: validators.DiplomaInput,
    types: ['AchievementCredential', 'DiplomaCredential'],
    extraContexts: [OB3_CONTEXT],
    buildSubject: (i, ctx) => buildDiplomaSubject(i as DiplomaInput, ctx),
    // A diploma does not expire.
    defaultValidUntil: () => undefined,
    extraClaims: (i, tz) => ({ name: (i as DiplomaInput).title, awardedDate: startOfDay((i as DiplomaInput).awardDate, tz) }),
  },
};


export function kindBySlug(slug: string): KindDefinition | undefined {
  return Object.values(KINDS).find((k) => k.slug === slug);
}
