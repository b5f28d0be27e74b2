/**
 * OpenID4VCI 1.0, pre-authorized code flow, over HTTP against the local home, driven by a real
 * wallet-side library. Then every way a wallet (or an attacker) can get it wrong.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Resolver } from 'did-resolver';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { decodeJwt, SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/dynamo/client';
import { lookupHash } from '../../lambdas/core/oid4vci/sealing';
import { issueRequest, PERSONAL_VALUES, type KindName } from '../helpers/live-fixtures';
import { localHome } from '../helpers/http';
import { scanTable } from '../helpers/store';
import { receive, walletKey, type WalletKey } from '../helpers/wallet';
import { KeyObject, sign } from 'node:crypto';

let home: Awaited<ReturnType<typeof localHome>>;
let token: string;
let base: string;

beforeAll(async () => {
  home = await localHome();
  token = home.server.demo.token;
  base = home.server.url;
});
afterAll(() => home.server.close());

const offer = async (kind: KindName = 'DiplomaCredential', extra: Record<string, unknown> = {}) => {
  const res = await home.post('/offers', { credential: issueRequest(kind).credential, ...extra }, { token });
  expect(res.status, res.text).toBe(201);
  return res.json as { link: string; credentialOfferUri: string; txCode?: string; offerId: string; credentialConfigurationId: string; qrCode: { svg: string; png: string } };
};
const secretOf = (o: { credentialOfferUri: string }) => o.credentialOfferUri.split('/').pop()!;
const form = (fields: Record<string, string>) => ({ raw: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const tokenFor = async (o: { credentialOfferUri: string }, extra: Record<string, string> = {}) =>
  home.call('POST', '/token', form({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': secretOf(o), ...extra }));
const nonce = async () => (await home.post('/nonce', {})).json.c_nonce as string;
async function proof(key: WalletKey, o: { nonce?: string; aud?: string; iat?: number; header?: Record<string, unknown>; signWith?: WalletKey } = {}) {
  return new SignJWT({ aud: o.aud ?? `${base}/schools/${home.server.demo.uai}`, iat: o.iat ?? Math.floor(Date.now() / 1000), ...(o.nonce ? { nonce: o.nonce } : {}) })
    .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid: key.kid, ...o.header })
    .sign((o.signWith ?? key).privateKey);
}
const credentialRequest = (accessToken: string | undefined, body: unknown) => home.post('/credential', body, accessToken ? { token: accessToken } : {});
const oauthError = (res: { status: number; json: { error?: string }; text?: string }, status: number, error: string) => {
  expect(res.status, res.text).toBe(status);
  expect(res.json.error, res.text).toBe(error);
};

describe('a student receives a credential in a wallet', () => {
  it.each(['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'] as const)('%s: scan, redeem, prove possession, receive a credential bound to the wallet key', async (kind) => {
    const o = await offer(kind);
    expect(o.link).toBe(`openid-credential-offer://?credential_offer_uri=${encodeURIComponent(o.credentialOfferUri)}`);
    const key = await walletKey();
    const { response, issuerMetadata } = await receive(o.link, key);
    expect(issuerMetadata.credentialIssuer.credential_issuer).toBe(`${base}/schools/${home.server.demo.uai}`);
    const jwt = (response.credentials as { credential: string }[])[0]!.credential;
    const claims = decodeJwt(jwt);
    expect(claims.sub).toBe(key.did);
    expect((claims.vc as { credentialSubject: { id?: string }; credentialStatus: unknown[] }).credentialStatus).toHaveLength(2);

    // attesto's verifier, and an independent one, accept it.
    const verified = await home.post('/credentials/verify', { verifiableCredential: jwt });
    expect(verified.json).toMatchObject({ verified: true, issuer: { uai: home.server.demo.uai } });
    const resolver = new Resolver({ web: async (did) => ({ didDocument: (await home.get(`/schools/${did.split(':').pop()}/did.json`)).json, didDocumentMetadata: {}, didResolutionMetadata: {} }) });
    const independent = await didJwtVcVerify(jwt, resolver);
    expect(independent.verifiableCredential.credentialSubject.id).toBe(key.did);
    expect(independent.verifiableCredential.type).toContain(kind);
  });

  it('with a PIN delivered out of band', async () => {
    const o = await offer('EnrollmentCredential', { txCode: true });
    expect(o.txCode).toMatch(/^\d{6}$/);
    const { response } = await receive(o.link, await walletKey(), o.txCode);
    expect(response.credentials).toHaveLength(1);
  });

  it('gives the school a QR code as PNG and SVG, and records the offer and its redemption in the audit', async () => {
    const o = await offer();
    expect(o.qrCode.svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const png = Buffer.from(o.qrCode.png.replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    await receive(o.link, await walletKey());
    const audit = (await home.get(`/schools/${home.server.demo.uai}/audit`, { token })).json.events as { action: string; actor: string; detail?: { offer?: string } }[];
    expect(audit.filter((e) => e.detail?.offer === o.offerId).map((e) => e.action).sort()).toEqual(['offer.created', 'offer.redeemed']);
    expect(audit.some((e) => e.action === 'credential.issued' && e.actor === `wallet:offer:${o.offerId}`)).toBe(true);
  });

  it('accepts the proof typ written as a full media type (RFC 7515 §4.1.9: application/ is implied), in any case', async () => {
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o)).json.access_token;
    const key = await walletKey();
    const res = await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [await proof(key, { nonce: await nonce(), header: { typ: 'Application/OpenID4VCI-Proof+JWT' } })] } });
    expect(res.status, res.text).toBe(200);
  });

  it('accepts the earlier `proof` request form, answered in its own shape', async () => {
    const o = await offer('EnrollmentCredential');
    const granted = (await tokenFor(o)).json;
    // A bearer token, not sender-constrained: short-lived (OpenID4VCI counts over 5 minutes as long-lived).
    expect(granted).toMatchObject({ token_type: 'Bearer' });
    expect(granted.expires_in).toBeLessThanOrEqual(300);
    const at = granted.access_token;
    const key = await walletKey();
    const res = await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId, proof: { proof_type: 'jwt', jwt: await proof(key, { nonce: await nonce() }) } });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.json.credential).sub).toBe(key.did);
  });

  it('binds to a key given as a `jwk` header or a P-256 did:key', async () => {
    const key = await walletKey();
    const jwkOffer = await offer('EnrollmentCredential');
    const viaJwk = await credentialRequest((await tokenFor(jwkOffer)).json.access_token, {
      credential_configuration_id: jwkOffer.credentialConfigurationId,
      proofs: { jwt: [await proof(key, { nonce: await nonce(), header: { kid: undefined, jwk: key.publicJwk } })] },
    });
    expect(viaJwk.status).toBe(200);
    expect(decodeJwt(viaJwk.json.credentials[0].credential).sub).toMatch(/^did:jwk:/);

    // did:key: multicodec p256-pub (0x1200) + compressed point, base58btc.
    const { bytesToBase58 } = await import('did-jwt');
    const x = Buffer.from(key.publicJwk.x!, 'base64url');
    const y = Buffer.from(key.publicJwk.y!, 'base64url');
    const compressed = Buffer.concat([Buffer.from([0x02 + (y[31]! & 1)]), x]);
    const didKey = `did:key:z${bytesToBase58(Buffer.concat([Buffer.from([0x80, 0x24]), compressed]))}`;
    const keyOffer = await offer('EnrollmentCredential');
    const viaDidKey = await credentialRequest((await tokenFor(keyOffer)).json.access_token, {
      credential_configuration_id: keyOffer.credentialConfigurationId,
      proofs: { jwt: [await proof(key, { nonce: await nonce(), header: { kid: `${didKey}#${didKey.slice(8)}` } })] },
    });
    expect(viaDidKey.status, viaDidKey.text).toBe(200);
    expect(decodeJwt(viaDidKey.json.credentials[0].credential).sub).toBe(didKey);
  });

  it('keeps the pending offer only sealed, and nothing personal once delivered', async () => {
    const o = await offer('TranscriptCredential');
    const scan = async () => JSON.stringify(await scanTable(home.server.dynamo));
    const pending = await scan();
    for (const v of PERSONAL_VALUES) expect(pending).not.toContain(v);
    expect(pending).not.toContain(secretOf(o)); // only its hash
    await receive(o.link, await walletKey());
    const after = await scan();
    for (const v of PERSONAL_VALUES) expect(after).not.toContain(v);
  });
});

describe('metadata', () => {
  it('describes each school as a credential issuer, in French and English, with the pre-authorized grant', async () => {
    const uai = home.server.demo.uai;
    const meta = (await home.get(`/.well-known/openid-credential-issuer/schools/${uai}`)).json;
    expect(meta).toMatchObject({ credential_issuer: `${base}/schools/${uai}`, credential_endpoint: `${base}/credential`, nonce_endpoint: `${base}/nonce` });
    expect(Object.keys(meta.credential_configurations_supported).sort()).toEqual([
      'DiplomaCredential_jwt_vc_json',
      'DiplomaCredential_sd_jwt_vc',
      'EnrollmentCredential_jwt_vc_json',
      'EnrollmentCredential_sd_jwt_vc',
      'TranscriptCredential_jwt_vc_json',
      'TranscriptCredential_sd_jwt_vc',
    ]);
    expect(meta.credential_configurations_supported.DiplomaCredential_sd_jwt_vc).toMatchObject({ format: 'dc+sd-jwt', vct: `${base}/vct/diploma`, cryptographic_binding_methods_supported: ['jwk'] });
    const diploma = meta.credential_configurations_supported.DiplomaCredential_jwt_vc_json;
    expect(diploma.credential_metadata.display.map((d: { locale: string }) => d.locale)).toEqual(['fr-FR', 'en-US']);
    expect(diploma.proof_types_supported.jwt.proof_signing_alg_values_supported).toEqual(['ES256']);
    const as = (await home.get(`/.well-known/oauth-authorization-server/schools/${uai}`)).json;
    expect(as).toMatchObject({ issuer: `${base}/schools/${uai}`, token_endpoint: `${base}/token`, 'pre-authorized_grant_anonymous_access_supported': true });
    expect(as.grant_types_supported).toEqual(['urn:ietf:params:oauth:grant-type:pre-authorized_code']);
    expect(as.authorization_details_types_supported).toEqual(['openid_credential']);
    expect((await home.get('/.well-known/openid-credential-issuer')).json.credential_issuer).toBe(base);
    expect((await home.get('/.well-known/oauth-authorization-server')).json.issuer).toBe(base);
    expect((await home.get('/.well-known/openid-credential-issuer/schools/0000000A')).status).toBe(404);
    // Wallets built on the drafts append the suffix to the issuer identifier: the same documents there.
    expect((await home.get(`/schools/${uai}/.well-known/openid-credential-issuer`)).json).toEqual(meta);
    expect((await home.get(`/schools/${uai}/.well-known/oauth-authorization-server`)).json).toEqual(as);
    expect((await home.get('/schools/0000000A/.well-known/openid-credential-issuer')).status).toBe(404);
    // And read a configuration's display at its top level, where 1.0 has it in credential_metadata.
    expect(diploma.display).toEqual(diploma.credential_metadata.display);
  });
});

describe('a wallet that asks for the credential with authorization_details (OpenID4VCI 1.0 §6.1, RFC 9396)', () => {
  const details = (entries: unknown) => ({ authorization_details: JSON.stringify(entries) });
  const issuerOf = () => `${base}/schools/${home.server.demo.uai}`;

  it('is told the credential identifier, and gets the credential by it', async () => {
    const o = await offer('DiplomaCredential');
    const granted = await tokenFor(o, details([{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId, locations: [issuerOf()] }]));
    expect(granted.status, granted.text).toBe(200);
    expect(granted.json.authorization_details).toEqual([{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId, locations: [issuerOf()], credential_identifiers: [o.offerId] }]);
    const key = await walletKey();
    const res = await credentialRequest(granted.json.access_token, { credential_identifier: o.offerId, proofs: { jwt: [await proof(key, { nonce: await nonce() })] } });
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(res.json.credentials[0].credential).sub).toBe(key.did);
  });

  it('must then name it by that identifier: not by its configuration, nor by another identifier; and a token granted without them takes no identifier', async () => {
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o, details([{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId }]))).json.access_token;
    const key = await walletKey();
    const request = async (naming: Record<string, unknown>) => credentialRequest(at, { ...naming, proofs: { jwt: [await proof(key, { nonce: await nonce() })] } });
    oauthError(await request({ credential_configuration_id: o.credentialConfigurationId }), 400, 'invalid_credential_request');
    oauthError(await request({}), 400, 'invalid_credential_request');
    oauthError(await request({ credential_identifier: 'another-dataset' }), 400, 'unknown_credential_identifier');
    oauthError(await request({ credential_identifier: 5 }), 400, 'invalid_credential_request');
    expect((await request({ credential_identifier: o.offerId })).status).toBe(200);

    const plain = await offer('EnrollmentCredential');
    const plainToken = (await tokenFor(plain)).json;
    expect(plainToken).not.toHaveProperty('authorization_details');
    oauthError(await credentialRequest(plainToken.access_token, { credential_identifier: plain.offerId, proofs: { jwt: [await proof(key, { nonce: await nonce() })] } }), 400, 'invalid_credential_request');
  });

  it('for another credential than the offer\'s, of another type, malformed, or for another issuer: invalid_authorization_details, and no PIN attempt is spent', async () => {
    const o = await offer('EnrollmentCredential', { txCode: true });
    const wrong = [
      [{ type: 'openid_credential', credential_configuration_id: 'DiplomaCredential_jwt_vc_json' }],
      [{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId }, { type: 'openid_credential', credential_configuration_id: 'EnrollmentCredential_sd_jwt_vc' }],
      [{ type: 'payment_initiation', credential_configuration_id: o.credentialConfigurationId }],
      [{ type: 'openid_credential' }],
      [{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId, locations: ['https://another-issuer.example'] }],
      [{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId, claims: 'x' }],
      [{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId, claims: [] }],
      [],
      { type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId },
    ];
    for (const entries of wrong) oauthError(await tokenFor(o, { ...details(entries), tx_code: '000000' }), 400, 'invalid_authorization_details');
    oauthError(await tokenFor(o, { authorization_details: '[{"type":', tx_code: '000000' }), 400, 'invalid_authorization_details');
    // Ten refusals, and all five PIN attempts are left: the right one redeems it.
    const stored = (await scanTable(home.server.dynamo)).find((i) => i.pk === `OFFER#${lookupHash(secretOf(o))}`)!;
    expect(stored.attemptsLeft).toBe(5);
    expect((await tokenFor(o, { ...details([{ type: 'openid_credential', credential_configuration_id: o.credentialConfigurationId }]), tx_code: o.txCode! })).status).toBe(200);
  });
});

describe('what never yields a credential', () => {
  it('an offer whose text is too long once normalised (NFC, as it is issued): refused when it is made, not once a wallet has spent it', async () => {
    // U+0958 is two code points in NFC: 60 of them make a given name of 120 (at most 100).
    const credential = issueRequest('DiplomaCredential').credential as unknown as { credentialSubject: { student: Record<string, unknown> } };
    const long = { ...credential, credentialSubject: { ...credential.credentialSubject, student: { ...credential.credentialSubject.student, givenName: '\u0958'.repeat(60) } } };
    const res = await home.post('/offers', { credential: long }, { token });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ pointer: expect.stringContaining('givenName') })] });
  });

  const issuedCount = async () => ((await home.get(`/schools/${home.server.demo.uai}/audit?limit=500`, { token })).json.events as { action: string }[]).filter((e) => e.action === 'credential.issued').length;

  it('a replayed pre-authorized code', async () => {
    const o = await offer();
    expect((await tokenFor(o)).status).toBe(200);
    oauthError(await tokenFor(o), 400, 'invalid_grant');
    expect((await home.get(new URL(o.credentialOfferUri).pathname)).status).toBe(404);
  });

  it('a token request with an empty parameter treats it as omitted (RFC 6749 §3.2): an empty tx_code for an offer without a PIN redeems it', async () => {
    const o = await offer();
    const res = await tokenFor(o, { tx_code: '', authorization_details: '' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).not.toHaveProperty('authorization_details');
  });

  it('a token request with a parameter sent twice, or without its code (invalid_request), redeeming nothing', async () => {
    const o = await offer();
    const code = secretOf(o);
    const twice = `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=${code}&pre-authorized_code=${code}`;
    oauthError(await home.call('POST', '/token', { raw: twice, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'invalid_request');
    oauthError(await home.call('POST', '/token', form({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code' })), 400, 'invalid_request');
    expect((await tokenFor(o)).status).toBe(200);
  });

  it('describes errors in the characters OAuth allows (printable ASCII, no quote or backslash)', async () => {
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o)).json.access_token;
    const key = await walletKey();
    const res = await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [await proof(key, { nonce: await nonce(), header: { kid: 'did:key:abc"é\\#1' } })] } });
    oauthError(res, 400, 'invalid_proof');
    expect(res.json.error_description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
  });

  it('concurrent redemptions of one code: exactly one wins', async () => {
    const o = await offer();
    const results = await Promise.all(Array.from({ length: 12 }, () => tokenFor(o)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) oauthError(r, 400, 'invalid_grant');
  });

  it('a wrong PIN, past the limit, even with the right one afterwards; the offer link then serves nothing', async () => {
    const o = await offer('EnrollmentCredential', { txCode: true });
    const wrong = o.txCode === '000000' ? '111111' : '000000';
    // No PIN at all is a malformed request (OpenID4VCI 1.0 §6.3), not a guess: it costs no attempt.
    for (let i = 0; i < 6; i++) oauthError(await tokenFor(o), 400, 'invalid_request');
    const stored = async () => (await scanTable(home.server.dynamo)).find((i) => i.pk === `OFFER#${lookupHash(secretOf(o))}`)!;
    for (let i = 0; i < 4; i++) oauthError(await tokenFor(o, { tx_code: wrong }), 400, 'invalid_grant');
    expect((await stored()).sealed).toEqual(expect.any(String));
    oauthError(await tokenFor(o, { tx_code: wrong }), 400, 'invalid_grant');
    expect((await home.get(new URL(o.credentialOfferUri).pathname)).status).toBe(404);
    oauthError(await tokenFor(o, { tx_code: o.txCode! }), 400, 'invalid_grant');
    // It can never be redeemed: the student's data it held is gone now, not when the offer expires.
    expect(await stored()).toMatchObject({ attemptsLeft: 0, state: 'offered' });
    expect((await stored()).sealed).toBeUndefined();
  });

  it('the right PIN after four wrong ones', async () => {
    const o = await offer('EnrollmentCredential', { txCode: true });
    const wrong = o.txCode === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) oauthError(await tokenFor(o, { tx_code: wrong }), 400, 'invalid_grant');
    expect((await home.get(new URL(o.credentialOfferUri).pathname)).status).toBe(200);
    expect((await tokenFor(o, { tx_code: o.txCode! })).status).toBe(200);
  });

  it('parallel PIN guesses get no more tries than the limit', async () => {
    const o = await offer('EnrollmentCredential', { txCode: true });
    const guesses = Array.from({ length: 30 }, (_, i) => String((Number(o.txCode) + 1 + i) % 1_000_000).padStart(6, '0'));
    // The right PIN comes last, far past the limit: were more than five guesses checked, it would win.
    guesses.push(o.txCode!);
    const answers = await Promise.all(guesses.map((g) => tokenFor(o, { tx_code: g })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(0);
    oauthError(await tokenFor(o, { tx_code: o.txCode! }), 400, 'invalid_grant');
  });

  it('an expired offer', async () => {
    const o = await offer();
    const db = documentClient({ region: 'eu-west-3', endpoint: home.server.dynamo.endpoint, credentials: { accessKeyId: home.server.dynamo.accessKeyId, secretAccessKey: 'x' } });
    await db.send(new UpdateCommand({ TableName: 'attesto', Key: { pk: `OFFER#${lookupHash(secretOf(o))}`, sk: 'OFFER' }, UpdateExpression: 'SET expiry = :past', ExpressionAttributeValues: { ':past': '2020-01-01T00:00:00Z' } }));
    oauthError(await tokenFor(o), 400, 'invalid_grant');
    expect((await home.get(new URL(o.credentialOfferUri).pathname)).status).toBe(404);
  });

  it('proofs with a wrong nonce, a reused nonce, a wrong audience, a stale iat, a key other than the one named', async () => {
    const before = await issuedCount();
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o)).json.access_token;
    const key = await walletKey();
    const other = await walletKey();
    const body = async (jwt: string) => ({ credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [jwt] } });
    oauthError(await credentialRequest(at, await body(await proof(key, { nonce: 'not-a-nonce-we-gave' }))), 400, 'invalid_nonce');
    // No nonce at all, or no proof at all: the proof is invalid (OpenID4VCI 1.0 §8.3.1.2).
    oauthError(await credentialRequest(at, await body(await proof(key))), 400, 'invalid_proof');
    oauthError(await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId }), 400, 'invalid_proof');
    oauthError(await credentialRequest(at, await body(await proof(key, { nonce: await nonce(), aud: 'https://evil.example' }))), 400, 'invalid_proof');
    oauthError(await credentialRequest(at, await body(await proof(key, { nonce: await nonce(), iat: Math.floor(Date.now() / 1000) - 3600 }))), 400, 'invalid_proof');
    oauthError(await credentialRequest(at, await body(await proof(key, { nonce: await nonce(), signWith: other }))), 400, 'invalid_proof');
    oauthError(await credentialRequest(at, await body(await proof(key, { nonce: await nonce(), header: { typ: 'JWT' } }))), 400, 'invalid_proof');
    oauthError(await credentialRequest(at, await body(await proof(key, { nonce: await nonce(), header: { typ: 'text/openid4vci-proof+jwt' } }))), 400, 'invalid_proof');
    // Header extensions: with b64: false (RFC 7797) the signature covers the payload segment as it is, not decoded.
    const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64url({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid: key.kid, crit: ['b64'], b64: false })}.${b64url({ aud: `${base}/schools/${home.server.demo.uai}`, iat: Math.floor(Date.now() / 1000), nonce: await nonce() })}`;
    const extended = `${input}.${sign('sha256', Buffer.from(input), { key: KeyObject.from(key.privateKey as Parameters<typeof KeyObject.from>[0]), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    oauthError(await credentialRequest(at, await body(extended)), 400, 'invalid_proof');
    // A nonce already spent by a successful request cannot serve again.
    const n = await nonce();
    expect((await credentialRequest(at, await body(await proof(key, { nonce: n })))).status).toBe(200);
    const o2 = await offer('EnrollmentCredential');
    const at2 = (await tokenFor(o2)).json.access_token;
    oauthError(await credentialRequest(at2, { credential_configuration_id: o2.credentialConfigurationId, proofs: { jwt: [await proof(key, { nonce: n })] } }), 400, 'invalid_nonce');
    expect(await issuedCount()).toBe(before + 1);
  });

  it('an unsupported format or configuration, a missing or spent access token', async () => {
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o)).json.access_token;
    const key = await walletKey();
    oauthError(await credentialRequest(at, { credential_configuration_id: 'PassportCredential_mso_mdoc', proofs: { jwt: [await proof(key, { nonce: await nonce() })] } }), 400, 'unknown_credential_configuration');
    oauthError(await credentialRequest(at, { format: 'ldp_vc', proofs: { jwt: [await proof(key, { nonce: await nonce() })] } }), 400, 'unsupported_credential_format');
    oauthError(await credentialRequest(at, { credential_configuration_id: 'DiplomaCredential_jwt_vc_json', proofs: { jwt: [await proof(key, { nonce: await nonce() })] } }), 400, 'invalid_credential_request');
    // No token at all: a bare challenge, naming no error (RFC 6750 §3.1), in either scheme (RFC 9449 §7.1); a token we never gave: invalid_token.
    const missing = await credentialRequest(undefined, { credential_configuration_id: o.credentialConfigurationId });
    oauthError(missing, 401, 'invalid_token');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer, DPoP algs="ES256"');
    // Whatever the body: the resource is protected first.
    const bare = await home.call('POST', '/credential', { raw: 'not json', headers: { 'content-type': 'text/plain' } });
    oauthError(bare, 401, 'invalid_token');
    expect(bare.headers.get('www-authenticate')).toBe('Bearer, DPoP algs="ES256"');
    const unknown = await credentialRequest('A'.repeat(43), { credential_configuration_id: o.credentialConfigurationId });
    oauthError(unknown, 401, 'invalid_token');
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [await proof(key, { nonce: await nonce() })] } })).status).toBe(200);
    oauthError(await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [await proof(key, { nonce: await nonce() })] } }), 401, 'invalid_token');
  });

  it('a credential request that asks for an encrypted response (not offered): invalid_encryption_parameters, never the credential in the clear', async () => {
    const before = await issuedCount();
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o)).json.access_token;
    const key = await walletKey();
    const encryption = { jwk: { ...key.publicJwk, alg: 'ECDH-ES', use: 'enc' }, enc: 'A128GCM' };
    const res = await credentialRequest(at, { credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [await proof(key, { nonce: await nonce() })] }, credential_response_encryption: encryption });
    oauthError(res, 400, 'invalid_encryption_parameters');
    expect(res.text).not.toMatch(/eyJ/);
    expect(await issuedCount()).toBe(before);
  });

  it('a credential request body too large or not UTF-8: invalid_credential_request, not the generic invalid_request (OpenID4VCI 1.0 §8.3.1.2)', async () => {
    const o = await offer('EnrollmentCredential');
    const at = (await tokenFor(o)).json.access_token;
    const json = { 'content-type': 'application/json' };
    oauthError(await home.call('POST', '/credential', { token: at, raw: `{"x":"${'a'.repeat(20_000)}"}`, headers: json }), 400, 'invalid_credential_request');
    oauthError(await home.call('POST', '/credential', { token: at, raw: Buffer.from([0x7b, 0xff, 0x7d]), headers: json }), 400, 'invalid_credential_request');
  });

  it('garbage at the protocol endpoints is a 4xx, never a 5xx', async () => {
    const cases = [
      home.call('POST', '/token', { raw: '{"grant_type":"x"}', headers: { 'content-type': 'application/json' } }),
      home.call('POST', '/token', form({ grant_type: 'authorization_code', code: 'x' })),
      home.call('POST', '/token', form({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'x'.repeat(43) })),
      home.call('POST', '/token', { raw: Buffer.alloc(10_000, 0x61), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      home.call('POST', '/credential', { token: 'A'.repeat(43), raw: '{', headers: { 'content-type': 'application/json' } }),
      home.call('POST', '/credential', { token: 'A'.repeat(43), raw: '[]', headers: { 'content-type': 'application/json' } }),
      home.get('/offers/not-a-secret'),
      home.post('/offers', { credential: { ...issueRequest().credential, credentialSubject: { ...issueRequest().credential.credentialSubject, id: 'did:jwk:abc' } } }, { token }),
      home.post('/offers', issueRequest(), { token }),
      home.post('/offers', { credential: issueRequest().credential }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.status, res.text).toBeLessThan(500);
    }
  });

  it('an offer the credential endpoint would refuse is refused when the school makes it, not when the student redeems it', async () => {
    const enrolment = issueRequest('EnrollmentCredential').credential;
    const res = await home.post('/offers', { credential: { ...enrolment, credentialSubject: { ...enrolment.credentialSubject, startDate: '2027-09-01', endDate: '2027-07-04' } } }, { token });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'endDate must not be before startDate' });
    const dated = await home.post('/offers', { credential: { ...enrolment, validFrom: '2027-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' } }, { token });
    expect(dated.json).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'validUntil must be after validFrom' });
    // A date the wallet's credential could not carry: refused now, not after the student spent the offer.
    const far = await home.post('/offers', { credential: { ...enrolment, credentialSubject: { ...enrolment.credentialSubject, endDate: '9999-12-31' } } }, { token });
    expect(far.json).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'credentialSubject/endDate must be before 3000-01-01' });
  });
});

describe('a school withdrawing an offer', () => {
  const withdraw = (offerId: unknown, as = token) => home.post('/offer-withdrawals', { offerId }, { token: as });
  const auditOf = async (offerId: string) =>
    ((await home.get(`/schools/${home.server.demo.uai}/audit?limit=500`, { token })).json.events as { action: string; detail?: { offer?: string } }[]).filter((e) => e.detail?.offer === offerId).map((e) => e.action);

  it('closes it before any wallet comes: the link leads nowhere, the code redeems nothing, the data it held is gone', async () => {
    const o = await offer('DiplomaCredential', { txCode: true });
    const res = await withdraw(o.offerId);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ offerId: o.offerId, state: 'withdrawn' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await home.get(new URL(o.credentialOfferUri).pathname)).status).toBe(404);
    const redeemed = await tokenFor(o, { tx_code: o.txCode! });
    expect(redeemed.status).toBe(400);
    expect(redeemed.json.error).toBe('invalid_grant');
    // The student's data, sealed in the offer, is deleted with it.
    const stored = (await scanTable(home.server.dynamo)).find((i) => i.pk === `OFFER#${lookupHash(secretOf(o))}`)!;
    expect(stored).toMatchObject({ state: 'withdrawn' });
    expect(stored).not.toHaveProperty('sealed');
    expect(stored).not.toHaveProperty('txCodeMac');
    // Sent again (an answer lost): the same answer, audited once.
    expect((await withdraw(o.offerId)).json).toEqual({ offerId: o.offerId, state: 'withdrawn' });
    expect(await auditOf(o.offerId)).toEqual(['offer.created', 'offer.withdrawn']);
  });

  it('says, in the answer and the audit, what an offer had become when it could no longer be redeemed: its PIN attempts spent (itself audited), or past its end', async () => {
    const events = async (offerId: string) =>
      ((await home.get(`/schools/${home.server.demo.uai}/audit?limit=500`, { token })).json.events as { action: string; actor: string; detail?: { offer?: string; was?: string } }[]).filter((e) => e.detail?.offer === offerId);
    // Five wrong PINs: the school sees the offer exhausted by whoever held its link.
    const guessed = await offer('EnrollmentCredential', { txCode: true });
    const wrong = guessed.txCode === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await tokenFor(guessed, { tx_code: wrong });
    expect((await events(guessed.offerId)).map((e) => e.action)).toEqual(['offer.created', 'offer.exhausted']);
    expect((await events(guessed.offerId)).find((e) => e.action === 'offer.exhausted')?.actor).toBe(`wallet:offer:${guessed.offerId}`);
    const closed = await withdraw(guessed.offerId);
    expect(closed.json).toEqual({ offerId: guessed.offerId, state: 'withdrawn', was: 'exhausted' });
    expect((await events(guessed.offerId)).find((e) => e.action === 'offer.withdrawn')?.detail).toEqual({ offer: guessed.offerId, was: 'exhausted' });
    // Sent again: the same answer, audited once.
    expect((await withdraw(guessed.offerId)).json).toEqual({ offerId: guessed.offerId, state: 'withdrawn', was: 'exhausted' });
    expect((await events(guessed.offerId)).filter((e) => e.action === 'offer.withdrawn')).toHaveLength(1);

    // Past its end (not yet removed by its TTL): its data goes now, and the withdrawal says it had expired.
    const late = await offer();
    const db = documentClient({ region: 'eu-west-3', endpoint: home.server.dynamo.endpoint, credentials: { accessKeyId: home.server.dynamo.accessKeyId, secretAccessKey: 'x' } });
    await db.send(new UpdateCommand({ TableName: 'attesto', Key: { pk: `OFFER#${lookupHash(secretOf(late))}`, sk: 'OFFER' }, UpdateExpression: 'SET expiry = :past', ExpressionAttributeValues: { ':past': '2020-01-01T00:00:00Z' } }));
    expect((await withdraw(late.offerId)).json).toEqual({ offerId: late.offerId, state: 'withdrawn', was: 'expired' });
    expect((await scanTable(home.server.dynamo)).find((i) => i.pk === `OFFER#${lookupHash(secretOf(late))}`)).not.toHaveProperty('sealed');
    expect((await events(late.offerId)).find((e) => e.action === 'offer.withdrawn')?.detail).toEqual({ offer: late.offerId, was: 'expired' });
  });

  it("cannot withdraw another school's offer, nor tell it exists (404), and the student still gets it", async () => {
    const operator = JSON.parse(readFileSync(join(home.server.dataDir, 'operator.json'), 'utf8')).token as string;
    const other = await home.post('/schools', { uai: '0690004E', name: 'Collège Voisin' }, { token: operator });
    expect(other.status, other.text).toBe(201);
    const o = await offer('EnrollmentCredential');
    const res = await withdraw(o.offerId, other.json.token);
    expect(res.status).toBe(404);
    expect(res.json.code).toBe('UNKNOWN_OFFER');
    const { response } = await receive(o.link, await walletKey());
    expect(response.credentials).toHaveLength(1);
  });

  it('refuses once a wallet has redeemed it (409: revoke the credential instead), and refuses ids that name no offer', async () => {
    const o = await offer('EnrollmentCredential');
    await receive(o.link, await walletKey());
    const res = await withdraw(o.offerId);
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('OFFER_REDEEMED');
    expect((await withdraw('0123456789abcdef')).json.code).toBe('UNKNOWN_OFFER');
    for (const bad of ['ZZ', secretOf(o), 42]) expect((await withdraw(bad)).status, String(bad)).toBe(400);
  });
});
