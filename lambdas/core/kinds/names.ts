/** The credential kinds by name, without their schemas (the verifier needs no more). */
import type { CredentialKind } from '../records';

export const KIND_NAMES: readonly CredentialKind[] = ['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'];

/** Each kind's file stem in URLs: `/schemas/{slug}.json`, `/vct/{slug}`. */
export const KIND_SLUGS: Record<CredentialKind, string> = { EnrollmentCredential: 'enrollment', TranscriptCredential: 'transcript', DiplomaCredential: 'diploma' };

/** The kind named in a credential's `type`, if exactly one is. */
export function kindOf(types: unknown): CredentialKind | undefined {
  const list = Array.isArray(types) ? types : typeof types === 'string' ? [types] : [];
  const found = KIND_NAMES.filter((k) => list.includes(k));
  return found.length === 1 ? found[0] : undefined;
}
