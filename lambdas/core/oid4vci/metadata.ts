/**
 * OpenID4VCI 1.0 metadata. Each school is its own Credential Issuer, identified by
 * `<public URL>/schools/<uai>` (its metadata at `/.well-known/openid-credential-issuer/schools/<uai>`,
 * §12.2.2 path insertion); the deployment itself is also an issuer at `<public URL>` for wallets
 * that start from the host. Token, nonce and credential endpoints are shared; what a token may
 * obtain is bound to the school and credential of the offer it was exchanged for.
 */
import { KINDS, KIND_NAMES } from '../kinds';
import type { CredentialKind } from '../records';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
export const FORMAT = 'jwt_vc_json';

export const configurationId = (kind: CredentialKind) => `${kind}_${FORMAT}`;
export const kindOfConfiguration = (id: string): CredentialKind | undefined => KIND_NAMES.find((k) => configurationId(k) === id);

export const schoolIssuer = (publicUrl: string, uai: string) => `${publicUrl}/schools/${uai}`;

export function credentialIssuerMetadata(publicUrl: string, issuer: string, name: string) {
  const configurations = Object.fromEntries(
    Object.values(KINDS).map((k) => [
      configurationId(k.kind),
      {
        format: FORMAT,
        scope: k.kind,
        cryptographic_binding_methods_supported: ['did:jwk', 'did:key', 'jwk'],
        credential_signing_alg_values_supported: ['ES256'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
        credential_definition: { type: ['VerifiableCredential', ...k.types] },
        credential_metadata: {
          display: [
            { name: k.title.fr, locale: 'fr-FR' },
            { name: k.title.en, locale: 'en-US' },
          ],
        },
      },
    ]),
  );
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
    token_endpoint_auth_methods_supported: ['none'],
    response_types_supported: [],
  };
}
