/**
 * DPoP (RFC 9449) at the token and credential endpoints, over HTTP against the local home: a
 * wallet library's own DPoP proofs for the flow that works, hand-made proofs for every way a
 * proof can be wrong.
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, generateSecret, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRequest } from '../helpers/live-fixtures';
import { localHome } from '../helpers/http';
import { scanTable } from '../helpers/store';
import { receive, walletKey, type WalletKey } from '../helpers/wallet';

let home: Awaited<ReturnType<typeof localHome>>;
let base: string;

beforeAll(async () => {
  home = await localHome();
  base = home.server.url;
});
afterAll(() => home.server.close());

const CHALLENGE = /^DPoP error="invalid_dpop_proof", algs="ES256"$/;

const offer = async () => {
  const res = await home.post('/offers', { credential: issueRequest('EnrollmentCredential').credential }, { token: home.server.demo.token });
  expect(res.status, res.text).toBe(201);
  return res.json as { link: string; credentialOfferUri: string; credentialConfigurationId: string };
};
const codeOf = (o: { credentialOfferUri: string }) => o.credentialOfferUri.split('/').pop()!;
const ath = (accessToken: string) => createHash('sha256').update(accessToken).digest('base64url');

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string | null;
  ath?: string;
  header?: Record<string, unknown>;
  signWith?: WalletKey;
}
async function dpopProof(key: WalletKey, o: ProofOptions = {}) {
  const claims = { htm: o.htm ?? 'POST', htu: o.htu ?? `${base}/credential`, iat: o.iat ?? Math.floor(Date.now() / 1000), ...(o.jti === null ? {} : { jti: o.jti ?? randomUUID() }), ...(o.ath ? { ath: o.ath } : {}) };
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...o.header }).sign((o.signWith ?? key).privateKey);
}

const tokenRequest = (o: { credentialOfferUri: string }, dpop?: string) =>
  home.call('POST', '/token', {
    raw: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': codeOf(o) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop === undefined ? {} : { dpop }) },
  });

async function credentialBody(o: { credentialConfigurationId: string }, holder: WalletKey) {
  const { c_nonce } = (await home.post('/nonce', {})).json as { c_nonce: string };
  const jwt = await new SignJWT({ aud: `${base}/schools/${home.server.demo.uai}`, iat: Math.floor(Date.now() / 1000), nonce: c_nonce })
    .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid: holder.kid })
    .sign(holder.privateKey);
  return { credential_configuration_id: o.credentialConfigurationId, proofs: { jwt: [jwt] } };
}
const credentialRequest = async (o: { credentialConfigurationId: string }, holder: WalletKey, authorization: string, dpop?: string) =>
  home.call('POST', '/credential', { body: await credentialBody(o, holder), headers: { authorization, ...(dpop === undefined ? {} : { dpop }) } });

const refused = (res: { status: number; json: { error?: string }; text: string; headers: Headers }, status: 400 | 401, error = 'invalid_dpop_proof') => {
  expect(res.status, res.text).toBe(status);
  expect(res.json.error, res.text).toBe(error);
  if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(error === 'invalid_dpop_proof' ? CHALLENGE : new RegExp(`^DPoP error="${error}"`));
};
const issuedCount = async () => (await scanTable(home.server.dynamo)).filter((i) => String(i.pk).startsWith('CRED#')).length;

describe('a wallet that proves a key with DPoP (RFC 9449)', () => {
  it('is told the server takes ES256 proofs (§5.1), and gets a token bound to its key (token_type DPoP), then its credential with a proof by that key', async () => {
    const metadata = await home.get(`/.well-known/oauth-authorization-server/schools/${home.server.demo.uai}`);
    expect(metadata.json.dpop_signing_alg_values_supported).toEqual(['ES256']);

    const holder = await walletKey();
    const dpopKey = await walletKey();
    // The wallet library's own DPoP implementation, not ours.
    const { tokenType, response } = await receive((await offer()).link, holder, undefined, 'did', dpopKey);
    expect(tokenType).toBe('DPoP');
    const jwt = (response.credentials as { credential: string }[])[0]!.credential;
    // Bound to the holder's key, not the DPoP key: the two are independent.
    expect(decodeJwt(jwt).sub).toBe(holder.did);
    expect((await home.post('/credentials/verify', { verifiableCredential: jwt })).json).toMatchObject({ verified: true });

    // The token is stored with its key's thumbprint (jkt), never the key or the token itself.
    const tokens = (await scanTable(home.server.dynamo)).filter((i) => String(i.pk).startsWith('ATOKEN#'));
    expect(tokens.map((t) => t.jkt)).toContain(await calculateJwkThumbprint(dpopKey.publicJwk, 'sha256'));
  });

  it('at the token endpoint, a wrong proof is invalid_dpop_proof (400) and spends nothing: the code then redeems with a right one', async () => {
    const o = await offer();
    const key = await walletKey();
    const htu = `${base}/token`;
    const wrong = [
      await dpopProof(key, { htu, header: { typ: 'JWT' } }),
      await dpopProof(key, { htu, header: { jwk: undefined, kid: key.kid } }),
      await dpopProof(key, { htu, header: { jwk: { ...key.publicJwk, d: 'AAAA' } } }),
      await dpopProof(key, { htu, signWith: await walletKey() }),
      await dpopProof(key, { htu: `${base}/credential` }),
      await dpopProof(key, { htu, htm: 'GET' }),
      await dpopProof(key, { htu, iat: Math.floor(Date.now() / 1000) - 3600 }),
      await dpopProof(key, { htu, iat: Math.floor(Date.now() / 1000) + 3600 }),
      await dpopProof(key, { htu, jti: null }),
      // Symmetric algorithms are not proofs of possession.
      await new SignJWT({ jti: randomUUID(), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.publicJwk }).sign(await generateSecret('HS256')),
      // Two DPoP headers arrive joined by a comma.
      `${await dpopProof(key, { htu })}, ${await dpopProof(key, { htu })}`,
      'not-a-jwt',
      '',
    ];
    for (const proof of wrong) refused(await tokenRequest(o, proof), 400);

    const right = await tokenRequest(o, await dpopProof(key, { htu }));
    expect(right.status, right.text).toBe(200);
    expect(right.json).toMatchObject({ token_type: 'DPoP', expires_in: 300 });
  });

  it('compares htu without query or fragment, after normalising scheme and host case and the default port (§4.3, RFC 3986 §6.2)', async () => {
    const url = new URL(`${base}/token`);
    const htu = `${url.protocol.toUpperCase()}//${url.hostname.toUpperCase()}:${url.port}${url.pathname}?x=1#frag`;
    const res = await tokenRequest(await offer(), await dpopProof(await walletKey(), { htu }));
    expect(res.status, res.text).toBe(200);
    // Another path is another resource.
    refused(await tokenRequest(await offer(), await dpopProof(await walletKey(), { htu: `${base}/token/` })), 400);
  });

  it('a proof is good once: replayed, at the same endpoint or with another code, it is refused (§11.1)', async () => {
    const key = await walletKey();
    const proof = await dpopProof(key, { htu: `${base}/token` });
    expect((await tokenRequest(await offer(), proof)).status).toBe(200);
    refused(await tokenRequest(await offer(), proof), 400);
  });

  it('at the credential endpoint, the bound token is refused as a Bearer token, and with a proof that is missing, by another key, for another token (ath), URL or method, stale or replayed; nothing is issued until a right one', async () => {
    const o = await offer();
    const holder = await walletKey();
    const key = await walletKey();
    const granted = await tokenRequest(o, await dpopProof(key, { htu: `${base}/token` }));
    expect(granted.json.token_type).toBe('DPoP');
    const at = granted.json.access_token as string;
    const before = await issuedCount();

    // §7.2: never as a bearer token, even with a valid proof beside it.
    refused(await credentialRequest(o, holder, `Bearer ${at}`, await dpopProof(key, { ath: ath(at) })), 401, 'invalid_token');
    refused(await credentialRequest(o, holder, `DPoP ${at}`), 401);
    refused(await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(key)), 401);
    refused(await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(await walletKey(), { ath: ath(at) })), 401);
    refused(await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(key, { ath: ath('A'.repeat(43)) })), 401);
    refused(await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(key, { ath: ath(at), htu: `${base}/token` })), 401);
    refused(await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(key, { ath: ath(at), htm: 'GET' })), 401);
    refused(await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(key, { ath: ath(at), iat: Math.floor(Date.now() / 1000) - 600 })), 401);
    expect(await issuedCount()).toBe(before);

    const right = await dpopProof(key, { ath: ath(at) });
    const issued = await credentialRequest(o, holder, `dpop ${at}`, right);
    expect(issued.status, issued.text).toBe(200);
    expect(await issuedCount()).toBe(before + 1);
    // The same proof again, before the token's own refusal could hide it.
    const o2 = await offer();
    const at2 = (await tokenRequest(o2, await dpopProof(key, { htu: `${base}/token` }))).json.access_token as string;
    refused(await credentialRequest(o2, holder, `DPoP ${at2}`, right), 401);
  });

  it('a Bearer token stays a Bearer token: refused under the DPoP scheme, while a DPoP header beside it is ignored', async () => {
    const o = await offer();
    const granted = await tokenRequest(o);
    expect(granted.json.token_type).toBe('Bearer');
    const at = granted.json.access_token as string;
    const holder = await walletKey();
    const key = await walletKey();
    const dpop = await credentialRequest(o, holder, `DPoP ${at}`, await dpopProof(key, { ath: ath(at) }));
    expect(dpop.status, dpop.text).toBe(401);
    expect(dpop.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const bearer = await credentialRequest(o, holder, `Bearer ${at}`, await dpopProof(key, { ath: ath(at) }));
    expect(bearer.status, bearer.text).toBe(200);
  });

  it('without any token, the challenge offers both schemes (RFC 9449 §7.1)', async () => {
    const res = await home.call('POST', '/credential', { body: {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer, DPoP algs="ES256"');
  });

  it('browser wallets may send the DPoP header (CORS)', async () => {
    const res = await home.call('OPTIONS', '/token', { headers: { origin: 'https://wallet.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop, content-type' } });
    expect(res.headers.get('access-control-allow-headers')!.split(',')).toContain('dpop');
  });
});
