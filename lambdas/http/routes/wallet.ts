/**
 * The wallet-facing OpenID4VCI 1.0 endpoints: metadata, offers by reference, token, nonce,
 * credential. Errors here are OAuth error objects (see core/oid4vci/errors.ts).
 */
import type { Context } from 'hono';
import { AttestoError } from '../../core/errors';
import { readOffer } from '../../core/oid4vci/create-offer';
import { issueToWallet, missingToken } from '../../core/oid4vci/credential';
import { OAuthError } from '../../core/oid4vci/errors';
import { authorizationServerMetadata, credentialIssuerMetadata, schoolIssuer } from '../../core/oid4vci/metadata';
import { exchangePreAuthorizedCode, newNonce } from '../../core/oid4vci/token';
import { count } from '../metrics';
import { schoolOfPath } from './school-of-path';
import type { RouteHandler } from './types';

/**
 * A bounded read of a body as text: the wallet endpoints face the internet too. Refused with the
 * endpoint's own code: at the credential endpoint, payload errors are `invalid_credential_request`,
 * never the generic `invalid_request` (OpenID4VCI 1.0 §8.3.1.2).
 */
async function bodyText(c: Context, maxBytes: number, code: 'invalid_request' | 'invalid_credential_request'): Promise<string> {
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength > maxBytes) throw new OAuthError(code, 'the body is too large');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new OAuthError(code, 'the body is not UTF-8');
  }
}

const publicJson = (c: Context, body: unknown) => c.json(body, 200, { 'cache-control': 'public, max-age=300' });
const noStore = { 'cache-control': 'no-store' };

export const walletRoutes: Record<string, RouteHandler> = {
  async issuerMetadataRoot(c, deps) {
    return publicJson(c, credentialIssuerMetadata(deps.config.publicUrl, deps.config.publicUrl, 'attesto'));
  },
  async issuerMetadata(c, deps) {
    const s = await schoolOfPath(c, deps.store);
    return publicJson(c, credentialIssuerMetadata(deps.config.publicUrl, schoolIssuer(deps.config.publicUrl, s.uai), s.name));
  },
  async authServerMetadataRoot(c, deps) {
    return publicJson(c, authorizationServerMetadata(deps.config.publicUrl, deps.config.publicUrl));
  },
  async authServerMetadata(c, deps) {
    const s = await schoolOfPath(c, deps.store);
    return publicJson(c, authorizationServerMetadata(deps.config.publicUrl, schoolIssuer(deps.config.publicUrl, s.uai)));
  },
  issuerMetadataAppended: (c, deps) => walletRoutes.issuerMetadata!(c, deps),
  authServerMetadataAppended: (c, deps) => walletRoutes.authServerMetadata!(c, deps),

  async credentialOffer(c, deps) {
    const offer = await readOffer({ clock: deps.core.clock, wallet: deps.wallet }, c.req.param('offer') ?? '');
    if (!offer) throw new AttestoError('NOT_FOUND', 'no open offer here: it may have expired or been used');
    return c.json(offer, 200, noStore);
  },

  async token(c, deps) {
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new OAuthError('invalid_request', 'send the token request as application/x-www-form-urlencoded');
    }
    const params = new URLSearchParams(await bodyText(c, 8192, 'invalid_request'));
    // RFC 6749 §3.2: request parameters "MUST NOT be included more than once".
    const repeated = [...new Set(params.keys())].find((k) => params.getAll(k).length > 1);
    if (repeated !== undefined) throw new OAuthError('invalid_request', `${repeated.slice(0, 64)} is sent more than once`);
    // And "parameters sent without a value MUST be treated as if they were omitted" (a wallet's form
    // may send an empty tx_code for an offer without a PIN).
    const form = Object.fromEntries([...params].filter(([, value]) => value !== ''));
    const dpop = { header: c.req.header('dpop'), url: `${deps.config.publicUrl}/token` };
    return c.json(await exchangePreAuthorizedCode({ ...deps.core, wallet: deps.wallet }, form, dpop), 200, noStore);
  },

  async nonce(c, deps) {
    return c.json(await newNonce({ ...deps.core, wallet: deps.wallet }), 200, noStore);
  },

  async credential(c, deps) {
    // RFC 6750 §2.1 or RFC 9449 §7.1: the scheme name is case-insensitive.
    const auth = /^(Bearer|DPoP)\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    // The resource is protected first: without a token, the bare challenge (RFC 6750 §3.1), whatever the body.
    if (!auth) throw missingToken();
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) throw new OAuthError('invalid_credential_request', 'send the credential request as application/json');
    let body: unknown;
    try {
      body = JSON.parse(await bodyText(c, 16_384, 'invalid_credential_request'));
    } catch (e) {
      if (e instanceof OAuthError) throw e;
      throw new OAuthError('invalid_credential_request', 'the body is not JSON');
    }
    const scheme = auth[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const issued = await issueToWallet({ ...deps.core, wallet: deps.wallet }, auth[2], body, { scheme, dpop: { header: c.req.header('dpop'), url: `${deps.config.publicUrl}/credential` } });
    count('WalletCredentialsIssued');
    return c.json(issued, 200, noStore);
  },
};
