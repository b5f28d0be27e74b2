/**
 * A wallet, built on @openid4vc/openid4vci (not our code): it resolves offers, fetches metadata,
 * redeems the pre-authorized code and requests credentials bound to its own P-256 key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { clientAuthenticationAnonymous, setGlobalConfig } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

// The local home speaks http on loopback; a real deployment is https only.
setGlobalConfig({ allowInsecureUrls: true });

export async function walletKey() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const publicJwk = (await exportJWK(publicKey)) as JWK;
  const did = `did:jwk:${Buffer.from(JSON.stringify(publicJwk)).toString('base64url')}`;
  return { publicJwk, privateKey, did, kid: `${did}#0` };
}

export type WalletKey = Awaited<ReturnType<typeof walletKey>>;

/** A wallet client that signs with `key`, or with `dpopKey` what is signed as that key (its DPoP proofs). */
export function walletClient(key: WalletKey, dpopKey?: WalletKey) {
  const signerOf = (signer: { method: string; publicJwk?: { x?: string } }) => (dpopKey && signer.method === 'jwk' && signer.publicJwk?.x === dpopKey.publicJwk.x ? dpopKey : key);
  return new Openid4vciClient({
    callbacks: {
      fetch: globalThis.fetch,
      hash: (data) => createHash('sha256').update(data).digest(),
      generateRandom: (n) => randomBytes(n),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, { header, payload }) => ({
        jwt: await new SignJWT(payload as never).setProtectedHeader(header as never).sign(signerOf(signer as never).privateKey),
        signerJwk: signerOf(signer as never).publicJwk as never,
      }),
    },
  });
}

/**
 * The whole pre-authorized flow, as a wallet app runs it after scanning the QR code; with
 * `dpopKey`, its access token is bound to that key (RFC 9449), as HAIP wallets do.
 */
export async function receive(link: string, key: WalletKey, txCode?: string, proofKey: 'did' | 'jwk' = 'did', dpopKey?: WalletKey) {
  const client = walletClient(key, dpopKey);
  const dpop = dpopKey ? { dpop: { signer: { method: 'jwk' as const, alg: 'ES256', publicJwk: dpopKey.publicJwk as never } } } : {};
  const credentialOffer = await client.resolveCredentialOffer(link);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, ...(txCode ? { txCode } : {}), ...dpop });
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0]!;
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId, nonce: c_nonce, signer: proofKey === 'did' ? { method: 'did', didUrl: key.kid, alg: 'ES256' } : { method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' } });
  const response = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId, proofs: { jwt: [jwt] }, ...dpop });
  return { credentialOffer, issuerMetadata, accessToken: accessTokenResponse.access_token, tokenType: accessTokenResponse.token_type, response: response.credentialResponse };
}
