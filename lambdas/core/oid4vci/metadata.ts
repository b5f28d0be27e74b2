/**
 * OpenID4VCI 1.0 metadata. Each school is its own Credential Issuer, identified by
 * `<public URL>/schools/<uai>` (its metadata at `/.well-known/openid-credential-issuer/schools/<uai>`,
 * §12.2.2 path insertion); the deployment itself is also an issuer at `<public URL>` for wallets
 * that start from the host. Token, nonce and credential endpoints are shared; what a token may
 * obtain is bound to the school and credential of the offer it was exchanged for.
 */
import { KINDS, KIND_NAMES, type KindDefinition } from '../kinds';
import type { CredentialFormat, CredentialKind } from '../records';
import { vctOf } from '../credential/vct';
import { credentialClaims } from '../credential/type-metadata';
import { DPOP_ALGS } from './dpop-algs';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/**
 * The formats offered to wallets (OpenID4VCI 1.0 Appendix A): W3C VC 1.1 as a JWT, and IETF
 * SD-JWT VC, which EU wallets (EUDI ARF) expect and which lets the holder disclose selectively.
 */
export type WalletFormat = 'jwt_vc_json' | 'dc+sd-jwt';
export const WALLET_FORMATS: readonly WalletFormat[] = ['jwt_vc_json', 'dc+sd-jwt'];
export const DEFAULT_WALLET_FORMAT: WalletFormat = 'jwt_vc_json';

/** What each wallet format is issued as (the use case's format). */
export const ISSUED_AS: Record<WalletFormat, CredentialFormat> = { jwt_vc_json: 'jwt_vc', 'dc+sd-jwt': 'dc+sd-jwt' };

const ID_SUFFIX: Record<WalletFormat, string> = { jwt_vc_json: 'jwt_vc_json', 'dc+sd-jwt': 'sd_jwt_vc' };

export const configurationId = (kind: CredentialKind, format: WalletFormat = DEFAULT_WALLET_FORMAT) => `${kind}_${ID_SUFFIX[format]}`;

/** The kind and format a credential_configuration_id names, or undefined. */
export function configurationOf(id: string): { kind: CredentialKind; format: WalletFormat } | undefined {
  for (const kind of KIND_NAMES) for (const format of WALLET_FORMATS) if (configurationId(kind, format) === id) return { kind, format };
  return undefined;
}

export { schoolIssuer } from '../did-web';

function configuration(publicUrl: string, k: KindDefinition, format: WalletFormat) {
  const display = [
    { name: k.title.fr, locale: 'fr-FR' },
    { name: k.title.en, locale: 'en-US' },
  ];
  const common = {
    format,
    // Where wallets built on the drafts read it (1.0 moved it into credential_metadata, §12.2.4).
    display,
    cryptographic_binding_methods_supported: format === 'dc+sd-jwt' ? ['jwk'] : ['did:jwk', 'did:key', 'jwk'],
    credential_signing_alg_values_supported: ['ES256'],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
    credential_metadata: { display },
  };
  // A scope names one configuration: the default format keeps the kind's name, as before.
  if (format === 'dc+sd-jwt') {
    // Claim labels here too: many wallets read them from the issuer metadata, not the Type Metadata.
    return { ...common, scope: `${k.kind}_sd_jwt_vc`, vct: vctOf(publicUrl, k), credential_metadata: { ...common.credential_metadata, claims: credentialClaims(k.kind) } };
  }
  return { ...common, scope: k.kind, credential_definition: { type: ['VerifiableCredential', ...k.types] } };
}

export function credentialIssuerMetadata(publicUrl: string, issuer: string, name: string) {
  const configurations = Object.fromEntries(Object.values(KINDS).flatMap((k) => WALLET_FORMATS.map((f) => [configurationId(k.kind, f), configuration(publicUrl, k, f)])));
  return {
    credential_issuer: issuer,
    authorization_servers: [issuer],
    credential_endpoint: `${publicUrl}/credential`,
    nonce_endpoint: `${publicUrl}/nonce`,
    display: [
      { name, locale: 'fr-FR' },
      { name, locale: 'en-US' },
    ],
    credential_configurations_supported: configurations,
  };
}

/** RFC 8414 metadata of the (per-issuer) authorization server: the pre-authorized code grant only. */
export function authorizationServerMetadata(publicUrl: string, issuer: string) {
  return {
    issuer,
    token_endpoint: `${publicUrl}/token`,
    grant_types_supported: [PRE_AUTHORIZED_GRANT],
    'pre-authorized_grant_anonymous_access_supported': true,
    // RFC 9396 §10: a wallet may name the offer's credential in the token request (see ./authorization-details.ts).
    authorization_details_types_supported: ['openid_credential'],
    // RFC 9449 §5.1: a token request with a DPoP proof gets a token bound to its key (./dpop.ts).
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    token_endpoint_auth_methods_supported: ['none'],
    response_types_supported: [],
  };
}
