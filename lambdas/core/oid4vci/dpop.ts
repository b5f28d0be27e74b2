/**
 * DPoP (RFC 9449): a wallet that sends a DPoP proof to the token endpoint gets an access token
 * bound to that proof's key (`token_type: DPoP`), which the credential endpoint then accepts only
 * with a fresh proof by the same key, over that token. A token copied from the wallet, from a log
 * or from a proxy is then useless without the wallet's private key. EU wallets (HAIP) send DPoP;
 * a wallet that sends none still gets a Bearer token, as before.
 *
 * attesto hands out no DPoP nonces (§8): replay is stopped by remembering each proof's `jti`
 * for as long as its `iat` is acceptable (§11.1).
 * https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
import { calculateJwkThumbprint, compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { isoSeconds } from '../credential/build';
import { sha256 } from '../hash';
import { COMPACT_JWS } from '../verify/jws';
import { isPublicP256 } from '../verify/keys';
import { typIs } from '../verify/typ';
import { OAuthError } from './errors';
import { DPOP_ALGS } from './dpop-algs';
import type { WalletStore } from './store';

/** How old a proof's `iat` may be, seconds; and how far ahead of our clock (the wallet's may run fast). */
export const DPOP_MAX_AGE_SECONDS = 300;
export const DPOP_MAX_AHEAD_SECONDS = 60;

/** A request's `DPoP` header, if any, and the URL of the endpoint it was sent to, which the proof must name. */
export interface DpopRequest {
  header: string | undefined;
  url: string;
}

export interface DpopCheck {
  /** The request's method and URL, as the wallet sent them (the endpoint the metadata names). */
  method: string;
  url: string;
  now: Date;
  /**
   * At the credential endpoint: the access token's SHA-256 (base64url), which is the proof's
   * `ath` (§4.2), and the thumbprint of the key the token is bound to.
   */
  boundTo?: { tokenHash: string; jkt: string };
}

/**
 * Checks the `DPoP` header of a request (§4.3) and records its `jti`; returns the proof key's
 * RFC 7638 thumbprint (`jkt`). Refusals are `invalid_dpop_proof`: a 400 at the token endpoint
 * (§5), a 401 with a DPoP challenge at the credential endpoint (§7.1).
 */
export async function checkDpopProof(deps: { wallet: WalletStore }, header: string | undefined, check: DpopCheck): Promise<string> {
  const refuse = (why: string) => (check.boundTo ? new OAuthError('invalid_dpop_proof', why, 401, { scheme: 'DPoP' }) : new OAuthError('invalid_dpop_proof', why));
  if (header === undefined || header === '') throw refuse('a DPoP proof (DPoP header) is required');
  // Two headers arrive joined by a comma, which no compact JWS holds (§4.3: "not more than one").
  if (header.includes(',')) throw refuse('send exactly one DPoP header');
  if (header.length > 8192 || !COMPACT_JWS.test(header)) throw refuse('the DPoP proof is not a compact JWT');
  let protectedHeader: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    protectedHeader = decodeProtectedHeader(header) as Record<string, unknown>;
    claims = decodeJwt(header) as Record<string, unknown>;
  } catch {
    throw refuse('the DPoP proof is not a readable JWT');
  }
  if (!typIs(protectedHeader.typ, 'dpop+jwt')) throw refuse('the DPoP proof typ must be dpop+jwt');
  if (!(DPOP_ALGS as readonly unknown[]).includes(protectedHeader.alg)) throw refuse(`the DPoP proof must be signed with ${DPOP_ALGS.join(' or ')}`);
  if (protectedHeader.crit !== undefined || protectedHeader.b64 !== undefined) throw refuse('the DPoP proof must not use critical header extensions (crit, b64)');
  const { jwk } = protectedHeader;
  if (!isPublicP256(jwk)) throw refuse('the DPoP proof must carry its public P-256 key (jwk)');
  const key: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  try {
    await compactVerify(header, await importJWK(key, 'ES256'), { algorithms: [...DPOP_ALGS] });
  } catch {
    throw refuse('the DPoP proof is not signed by the key it carries');
  }

  const { jti, htm, htu, iat, ath } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw refuse('the DPoP proof needs a jti (at most 256 characters)');
  if (htm !== check.method) throw refuse(`the DPoP proof is for another method (htm must be ${check.method})`);
  if (typeof htu !== 'string' || !sameTarget(htu, check.url)) throw refuse(`the DPoP proof is for another URL (htu must be ${check.url})`);
  const now = check.now.getTime() / 1000;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat < now - DPOP_MAX_AGE_SECONDS || iat > now + DPOP_MAX_AHEAD_SECONDS) throw refuse('the DPoP proof is not fresh (iat)');
  const jkt = await calculateJwkThumbprint(key, 'sha256');
  if (check.boundTo) {
    if (ath !== check.boundTo.tokenHash) throw refuse('the DPoP proof is for another access token (ath)');
    if (jkt !== check.boundTo.jkt) throw refuse('the DPoP proof is not signed by the key the access token is bound to');
  }
  // Last, once everything else holds: a refused proof spends nothing. Kept until its iat is too
  // old to be accepted anyway; per key, so that two wallets' jti never collide.
  const until = isoSeconds(new Date((Math.ceil(iat) + DPOP_MAX_AGE_SECONDS + 1) * 1000));
  if (!(await deps.wallet.recordDpopProof(sha256(`${jkt}.${jti}`), until, isoSeconds(check.now)))) throw refuse('this DPoP proof was used before: make a new one for each request');
  return jkt;
}

/**
 * `htu` is compared without query and fragment, after syntax-based normalisation (§4.3, RFC 3986
 * §6.2.2-6.2.3): scheme and host in lower case, the default port omitted.
 */
function sameTarget(htu: string, url: string): boolean {
  const target = (u: string) => {
    const parsed = URL.canParse(u) ? new URL(u) : undefined;
    return parsed && `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  };
  const mine = target(url);
  return mine !== undefined && target(htu) === mine;
}
