/** The outcome of a verification: what was checked, what failed, with stable codes. */
export type CheckName = 'format' | 'signature' | 'validity' | 'status' | 'issuer' | 'schema';

/** Every check a credential must pass to be "verified". */
export const REQUIRED_CHECKS: readonly CheckName[] = ['format', 'signature', 'validity', 'status', 'issuer', 'schema'];

export const VERIFY_ERROR_CODES = [
  'MALFORMED_CREDENTIAL',
  'UNSUPPORTED_ALGORITHM',
  'DID_RESOLUTION_FAILED',
  'KEY_NOT_AUTHORIZED',
  'SIGNATURE_INVALID',
  'NOT_YET_VALID',
  'EXPIRED',
  'REVOKED',
  'SUSPENDED',
  'STATUS_UNAVAILABLE',
  'STATUS_LIST_INVALID',
  'STATUS_MISSING',
  'ISSUER_NOT_REGISTERED',
  'ISSUER_MISMATCH',
  'UNKNOWN_KIND',
  'SCHEMA_INVALID',
  'KEY_BINDING_INVALID',
] as const;
export type VerifyErrorCode = (typeof VERIFY_ERROR_CODES)[number];

export interface VerifyProblem {
  code: VerifyErrorCode;
  check: CheckName;
  message: string;
}

export interface VerificationResult {
  verified: boolean;
  /** Checks that passed. */
  checks: CheckName[];
  errors: VerifyProblem[];
  warnings: { code: string; message: string }[];
  /**
   * Who issued it: the DID (W3C credentials; an SD-JWT VC's issuing school), an SD-JWT VC's `iss`,
   * and the school's UAI and name once it is known to be registered here.
   */
  issuer?: { did?: string; iss?: string; uai?: string; name?: string };
  credential?: { id?: string; type: string[]; kind?: string; format: 'jwt_vc' | 'vc+jwt' | 'dc+sd-jwt'; validFrom?: string; validUntil?: string };
  /** SD-JWT VC: the claims the holder disclosed, once verified (nothing of them is kept). */
  disclosed?: Record<string, unknown>;
}

/** Thrown inside the verifier to stop at a failed check; never escapes `verifyCredential`. */
export class VerifyFailure extends Error {
  constructor(
    readonly code: VerifyErrorCode,
    readonly check: CheckName,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a verification collects as it goes: checks passed, problems, warnings. `result()` is
 * verified only when nothing failed and every required check actually ran and passed; `fail`
 * records a VerifyFailure and rethrows anything else (a bug is not a verdict).
 */
export function verdict() {
  const passed: CheckName[] = [];
  const errors: VerifyProblem[] = [];
  const warnings: VerificationResult['warnings'] = [];
  return {
    passed,
    errors,
    warnings,
    result: (extra: Partial<VerificationResult> = {}): VerificationResult => ({
      verified: errors.length === 0 && REQUIRED_CHECKS.every((c) => passed.includes(c)),
      checks: passed,
      errors,
      warnings,
      ...extra,
    }),
    fail: (e: unknown) => {
      if (e instanceof VerifyFailure) errors.push({ code: e.code, check: e.check, message: e.message });
      else throw e;
    },
    /** Takes back a check that passed (a later finding undid it). */
    drop: (check: CheckName) => {
      const i = passed.indexOf(check);
      if (i >= 0) passed.splice(i, 1);
    },
  };
}
