/**
 * The OAuth endpoints (token, nonce, credential) answer every error as an OAuth error object
 * (RFC 6749 §5.2, RFC 6750 §3, OpenID4VCI 1.0 §8.3.1.2), which is what a wallet parses: not only
 * the protocol's own refusals but also ours, such as the store or the signer being unavailable
 * (`temporarily_unavailable`, with Retry-After) or the token being redeemed by another request.
 * (The edge's rate limits answer before the app, in a body that carries `error` too: lib/edge-stack.ts.)
 */
import type { Context } from 'hono';
import { OAuthError } from '../core/oid4vci/errors';
import { DPOP_ALGS } from '../core/oid4vci/dpop-algs';
import { problemHeaders } from './problem';
import { problemFor } from './unexpected';

/** The OAuth operations of the route table, and the code each gives a malformed request. */
export const OAUTH_OPERATIONS: Readonly<Record<string, 'invalid_request' | 'invalid_credential_request'>> = {
  token: 'invalid_request',
  nonce: 'invalid_request',
  credential: 'invalid_credential_request',
};

export function asOAuthError(err: unknown, malformed: 'invalid_request' | 'invalid_credential_request'): OAuthError {
  if (err instanceof OAuthError) return err;
  // Logged as every entry logs it (an unexpected error, without its message).
  const e = problemFor(err);
  if (e.status === 503 || e.status === 409) {
    // The delay a problem would give (every 503 has one).
    const retryAfter = problemHeaders(e)['retry-after'];
    return new OAuthError('temporarily_unavailable', e.message, e.status, retryAfter === undefined ? {} : { retryAfter: Number(retryAfter) });
  }
  if (e.status >= 500) return new OAuthError('server_error', 'an unexpected error occurred', 500);
  if (e.status === 401) return new OAuthError('invalid_token', e.message);
  return new OAuthError(malformed, e.message);
}

/** The `WWW-Authenticate` challenge of the DPoP scheme (RFC 9449 §7.1), with the algorithms it takes. */
const dpopChallenge = (error?: string) => `DPoP ${error ? `error="${error}", ` : ''}algs="${DPOP_ALGS.join(' ')}"`;

export function oauthErrorResponse(c: Context, err: OAuthError): Response {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  // With no token at all, both schemes are offered (RFC 9449 §7.1): a Bearer token, or a DPoP-bound one.
  if (err.status === 401) headers['www-authenticate'] = err.options.noCredentials ? `Bearer, ${dpopChallenge()}` : err.options.scheme === 'DPoP' ? dpopChallenge(err.error) : `Bearer error="${err.error}"`;
  if (err.options.retryAfter !== undefined) headers['retry-after'] = String(err.options.retryAfter);
  return c.json({ error: err.error, error_description: err.description }, err.status, headers);
}
