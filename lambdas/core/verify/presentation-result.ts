/** The outcome of a presentation's verification: what was checked, what failed, with stable codes. */
import type { VerificationResult } from './result';

export type PresentationCheck = 'format' | 'signature' | 'challenge' | 'domain' | 'validity' | 'credentials' | 'holder';

/** Every check a presentation must pass to be "verified". */
export const REQUIRED_PRESENTATION_CHECKS: readonly PresentationCheck[] = ['format', 'signature', 'challenge', 'domain', 'validity', 'credentials', 'holder'];

export type PresentationErrorCode =
  | 'MALFORMED_PRESENTATION'
  | 'UNSUPPORTED_ALGORITHM'
  | 'HOLDER_NOT_SUPPORTED'
  | 'KEY_NOT_AUTHORIZED'
  | 'SIGNATURE_INVALID'
  | 'CHALLENGE_MISMATCH'
  | 'DOMAIN_MISMATCH'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'NO_CREDENTIALS'
  | 'CREDENTIAL_NOT_VERIFIED'
  | 'NOT_THE_HOLDERS'
  | 'SD_JWT_VC_IN_PRESENTATION';

export interface PresentationProblem {
  code: PresentationErrorCode;
  check: PresentationCheck;
  message: string;
  /** For credential problems: the credential's position in the presentation. */
  credential?: number;
}

export interface PresentationResult {
  verified: boolean;
  checks: PresentationCheck[];
  errors: PresentationProblem[];
  warnings: { code: string; message: string }[];
  holder?: string;
  /** One verification result per credential, in the presentation's order. */
  credentials: VerificationResult[];
}

export interface PresentationOptions {
  /** The nonce this verifier asked the holder to sign: the presentation must carry it. */
  challenge?: string;
  /** This verifier's identifier: the presentation must be addressed (`aud`) to it. */
  domain?: string;
}

/** What a presentation's verification collects as it goes (see `verdict` in ./result.ts). */
export function presentationVerdict() {
  const passed: PresentationCheck[] = [];
  const errors: PresentationProblem[] = [];
  const warnings: PresentationResult['warnings'] = [];
  return {
    passed,
    errors,
    warnings,
    /** Verified only when nothing failed and every required check actually ran and passed. */
    result: (holder: string | undefined, credentials: VerificationResult[]): PresentationResult => ({
      verified: errors.length === 0 && REQUIRED_PRESENTATION_CHECKS.every((c) => passed.includes(c)),
      checks: passed,
      errors,
      warnings,
      ...(holder ? { holder } : {}),
      credentials,
    }),
  };
}
