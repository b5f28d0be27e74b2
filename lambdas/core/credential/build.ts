/**
 * Builds the unsigned credential: the same claims whichever encoding secures it, laid out as
 * VC Data Model 1.1 (`issuanceDate`, `expirationDate`) or 2.0 (`validFrom`, `validUntil`).
 * Deterministic: the same inputs give the same credential, which is what lets an idempotent
 * retry re-sign it without attesto keeping the personal data it contains.
 */
import { timeZoneOf } from '../time-zone';
import type { KindDefinition } from '../kinds';
import type { CredentialFormat, SchoolRecord, StatusSlot } from '../records';
import { STATUS_PURPOSES } from '../records';
import { credentialIdFor, statusListUrl } from '../status/slot';
import { STATUS_V1_CONTEXT, UNDEFINED_TERMS_V2_CONTEXT, VC_V1_CONTEXT, VC_V2_CONTEXT } from './contexts';

export interface BuildCredentialInput {
  kind: KindDefinition;
  subjectInput: unknown;
  school: Pick<SchoolRecord, 'uai' | 'name' | 'did' | 'timeZone'>;
  slot: StatusSlot;
  format: CredentialFormat;
  /** ISO date-time of issuance (seconds precision). */
  issuedAt: string;
  validFrom?: string;
  validUntil?: string;
  publicUrl: string;
}

export interface BuiltCredential {
  id: string;
  credential: Record<string, unknown>;
  validFrom: string;
  validUntil?: string;
}

/** Seconds precision: JWT NumericDate has no fractions, and a round trip must be exact. */
export const isoSeconds = (d: Date | string) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function buildCredential(input: BuildCredentialInput): BuiltCredential {
  const { kind, school, slot, format, publicUrl } = input;
  const id = credentialIdFor(school.uai, slot);
  const validFrom = isoSeconds(input.validFrom ?? input.issuedAt);
  const until = input.validUntil ?? kind.defaultValidUntil(input.subjectInput, timeZoneOf(school));
  const validUntil = until ? isoSeconds(until) : undefined;

  const credentialStatus = STATUS_PURPOSES.map((purpose) => {
    const url = statusListUrl(publicUrl, school.uai, purpose, slot.list);
    return {
      id: `${url}#${slot.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(slot.index),
      statusListCredential: url,
    };
  });

  const v2 = format === 'vc+jwt';
  const credential: Record<string, unknown> = {
    '@context': v2 ? [VC_V2_CONTEXT, ...kind.extraContexts, UNDEFINED_TERMS_V2_CONTEXT] : [VC_V1_CONTEXT, STATUS_V1_CONTEXT, ...kind.extraContexts],
    id,
    type: ['VerifiableCredential', ...kind.types],
    issuer: { id: school.did, type: ['Profile'], name: school.name },
    ...(v2 ? { validFrom } : { issuanceDate: validFrom }),
    ...(validUntil ? (v2 ? { validUntil } : { expirationDate: validUntil }) : {}),
    ...kind.extraClaims(input.subjectInput, timeZoneOf(school)),
    credentialSubject: kind.buildSubject(input.subjectInput, { school: { did: school.did, uai: school.uai, name: school.name, timeZone: timeZoneOf(school) } }),
    credentialSchema: {
      id: `${publicUrl.replace(/\/$/, '')}/schemas/${kind.slug}-credential.json`,
      type: 'JsonSchema',
    },
    credentialStatus,
  };
  return { id, credential, validFrom, ...(validUntil ? { validUntil } : {}) };
}
