/** The wallet's proof of possession (OpenID4VCI 1.0 Appendix F.1), read as a hostile wallet may send it. */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyProof } from '../../lambdas/core/oid4vci/proof';

const AUDIENCE = 'https://attesto.test/schools/0750001U';
const now = new Date('2026-11-22T10:00:00Z');

async function proofWithKid(kid: (jwk: JWK) => string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = (await exportJWK(publicKey)) as JWK;
  return new SignJWT({ nonce: 'n', aud: AUDIENCE, iat: Math.floor(now.getTime() / 1000) }).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid: kid(jwk) }).sign(privateKey);
}

describe('a proof naming its key as did:jwk', () => {
  it('binds the credential to that DID', async () => {
    const encoded = (jwk: JWK) => Buffer.from(JSON.stringify(jwk)).toString('base64url');
    let did = '';
    let key: JWK = {};
    const proof = await proofWithKid((jwk) => ((key = jwk), (did = `did:jwk:${encoded(jwk)}`)) + '#0');
    // And names its key by thumbprint (RFC 7638), the same however a proof names it.
    expect(await verifyProof(proof, { audience: AUDIENCE, now })).toEqual({ holder: did, keyThumbprint: await calculateJwkThumbprint(key, 'sha256'), nonce: 'n' });
  });

  it('is refused as invalid_proof when the DID is standard base64 (another string for the same key)', async () => {
    // Trailing spaces keep the JSON and change its length until standard base64 differs (padding).
    const standard = (jwk: JWK) => ['', ' ', '  '].map((pad) => Buffer.from(JSON.stringify(jwk) + pad)).map((b) => b.toString('base64')).find((text) => text !== Buffer.from(text, 'base64').toString('base64url'))!;
    const proof = await proofWithKid((jwk) => `did:jwk:${standard(jwk)}#0`);
    await expect(verifyProof(proof, { audience: AUDIENCE, now })).rejects.toMatchObject({ error: 'invalid_proof' });
  });
});
