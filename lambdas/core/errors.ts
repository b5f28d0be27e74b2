/**
 * One error type for everything attesto refuses, with a stable string `code`
 * that callers switch on (never parse the message) and the HTTP status it maps to.
 * The HTTP layer turns it into RFC 9457 problem+json.
 */
export const ERROR_STATUS = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNKNOWN_KIND: 400,
  INVALID_UAI: 400,
  INVALID_CREDENTIAL_ID: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNKNOWN_SCHOOL: 404,
  UNKNOWN_CREDENTIAL: 404,
  UNKNOWN_OFFER: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  SCHOOL_EXISTS: 409,
  REVOCATION_IS_FINAL: 409,
  CREDENTIAL_REVOKED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  ROTATION_CONFLICT: 409,
  OFFER_REDEEMED: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  SIGNER_UNAVAILABLE: 503,
  BATCH_OUT_OF_TIME: 503,
  STORE_UNAVAILABLE: 503,
  STATUS_LIST_EXHAUSTED: 503,
  IDENTITY_UNAVAILABLE: 503,
  SIGNING_KEY_UNUSABLE: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A field-level problem, RFC 9457 style: where (JSON pointer) and what. */
export interface FieldError {
  pointer: string;
  message: string;
}

export class AttestoError extends Error {
  override readonly name = 'AttestoError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  /** Seconds after which a retry may succeed (503, 409 in progress). */
  readonly retryAfter?: number;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; errors?: FieldError[]; retryAfter?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    if (options.errors) this.errors = options.errors;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

export const isAttestoError = (e: unknown): e is AttestoError => e instanceof AttestoError;
