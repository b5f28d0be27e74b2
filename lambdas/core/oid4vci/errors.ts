/**
 * OAuth 2.0 / OpenID4VCI protocol errors. Wallets expect RFC 6749 §5.2 error objects
 * (`{error, error_description}`) from these endpoints, not problem+json.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_token'
  | 'invalid_credential_request'
  | 'unknown_credential_configuration'
  | 'unsupported_credential_format'
  | 'invalid_proof'
  | 'invalid_nonce';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly description: string;
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    readonly status: 400 | 401 = error === 'invalid_token' ? 401 : 400,
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
