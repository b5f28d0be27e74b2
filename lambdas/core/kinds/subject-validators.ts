/** The compiled validator of each kind's issued credentialSubject, for the verifier. */
import { DiplomaSubject, EnrollmentSubject, TranscriptSubject } from '../generated/validators';
import type { CredentialKind } from '../records';
import type { Validator } from '../validation';

export const SUBJECT_VALIDATORS: Record<CredentialKind, Validator> = {
  EnrollmentCredential: EnrollmentSubject,
  TranscriptCredential: TranscriptSubject,
  DiplomaCredential: DiplomaSubject,
};
