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

export function walletClient(key: WalletKey) {
  return new Openid4vciClient({
    callbacks: {
      fetch: globalThis.fetch,
      hash: (data) => createHash('sha256').update(data).digest(),
      generateRandom: (n) => randomBytes(n),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (_signer, { header, payload }) => ({
        jwt: await new SignJWT(payload as never).setProtectedHeader(header as never).sign(key.privateKey),
        signerJwk: key.publicJwk as never,
      }),
    },
  });
}

/** The whole pre-authorized flow, as a wallet app runs it after scanning the QR code. */
export async function receive(link: string, key: WalletKey, txCode?: string, proofKey: 'did' | 'jwk' = 'did') {
  const client = walletClient(key);
  const credentialOffer = await client.resolveCredentialOffer(link);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, ...(txCode ? { txCode } : {}) });
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0]!;
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId, nonce: c_nonce, signer: proofKey === 'did' ? { method: 'did', didUrl: key.kid, alg: 'ES256' } : { method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' } });
  const response = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId, proofs: { jwt: [jwt] } });
  return { credentialOffer, issuerMetadata, accessToken: accessTokenResponse.access_token, response: response.credentialResponse };
}
