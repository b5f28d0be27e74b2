/**
 * OAuth 2.0 / OpenID4VCI protocol errors. Wallets expect RFC 6749 §5.2 error objects
 * (`{error, error_description}`) from these endpoints, not problem+json.
 */
export type OAuthErrorCode =
  // RFC 6749 §5.2 (token endpoint)
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  // RFC 9396 §5 and §6.1: authorization details of an unknown type, malformed, or for more than was offered
  | 'invalid_authorization_details'
  // RFC 6750 §3.1 (credential endpoint, the protected resource)
  | 'invalid_token'
  // OpenID4VCI 1.0 §8.3.1.2 (credential request errors)
  | 'invalid_credential_request'
  | 'unknown_credential_configuration'
  | 'unknown_credential_identifier'
  | 'invalid_proof'
  | 'invalid_nonce'
  | 'invalid_encryption_parameters'
  | 'credential_request_denied'
  // RFC 9449 §5 and §7.1: a DPoP proof missing, malformed, replayed, or not by the token's key
  | 'invalid_dpop_proof'
  // draft 13, for the earlier `format` request form only
  | 'unsupported_credential_format'
  // Borrowed from RFC 6749 §4.1.2.1, where they are defined for the authorization endpoint: neither
  // RFC 6749 §5.2 nor OpenID4VCI 1.0 §8.3.1.2 has a code for "cannot answer now, retry" (the store
  // or the signer unavailable, the token being redeemed) or for an unexpected failure, and a
  // wallet parses an `error` member whatever the status.
  | 'temporarily_unavailable'
  | 'server_error';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly description: string;
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    readonly status: 400 | 401 | 409 | 500 | 503 = error === 'invalid_token' ? 401 : 400,
    readonly options: {
      /** Seconds, for `Retry-After`. */
      retryAfter?: number;
      /**
       * The request carried no access token at all (RFC 6750 §3.1): the challenge then names no
       * error, since the client may simply not have known authentication was needed.
       */
      noCredentials?: boolean;
      /**
       * The authentication scheme of the challenge (a 401): `DPoP` for a request that presented,
       * or had to present, a DPoP-bound token (RFC 9449 §7.1); `Bearer` otherwise.
       */
      scheme?: 'Bearer' | 'DPoP';
    } = {},
  ) {
    super(asciiDescription(description));
    this.description = this.message;
  }
}

/**
 * `error_description` may hold only printable ASCII without `"` and `\` (RFC 6749 §5.2): our
 * messages are English, but may quote what the wallet sent.
 */
function asciiDescription(text: string): string {
  return text.replace(/…/g, '...').replace(/"/g, "'").replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}
