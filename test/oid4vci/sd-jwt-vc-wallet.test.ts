/**
 * An SD-JWT VC in a wallet, over HTTP against the local home: offered by the school, received by
 * a real OpenID4VCI client, then checked by sd-jwt-js as an outside verifier would, finding
 * everything itself over HTTP: the issuer's keys (JWT VC Issuer Metadata), the Type Metadata
 * at the `vct` URL and the Token Status List.
 */
import { createHash } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRequest, type KindName } from '../helpers/live-fixtures';
import { localHome } from '../helpers/http';
import { receive, walletKey } from '../helpers/wallet';

let home: Awaited<ReturnType<typeof localHome>>;
let base: string;

beforeAll(async () => {
  home = await localHome();
  base = home.server.url;
});
afterAll(() => home.server.close());

const sha256 = (data: string | ArrayBuffer) => createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data)).digest();

/** An outside verifier: the issuer's key comes from `/.well-known/jwt-vc-issuer` + the `iss` path (§4). */
function outsideVerifier() {
  return new SDJwtVcInstance({
    hasher: sha256,
    loadTypeMetadataFormat: true,
    verifier: async (data: string, signature: string) => {
      const [h, p] = data.split('.');
      const { iss, sub } = decodeJwt(`${h}.${p}.x`) as { iss?: string; sub?: string };
      // A Status List Token names itself in `sub`; its signer is the school whose list it is.
      const issuer = iss ?? sub!.replace(/\/status-lists\/.*$/, '');
      const u = new URL(issuer);
      const meta = (await (await fetch(`${u.origin}/.well-known/jwt-vc-issuer${u.pathname}`)).json()) as { issuer: string; jwks: { keys: (JWK & { kid: string })[] } };
      expect(meta.issuer).toBe(issuer);
      const jwk = meta.jwks.keys.find((k) => k.kid === decodeProtectedHeader(`${h}.${p}.x`).kid)!;
      await compactVerify(`${data}.${signature}`, await importJWK(jwk, 'ES256'));
      return true;
    },
  });
}

const offer = async (kind: KindName, format?: string) => {
  const res = await home.post('/offers', { credential: issueRequest(kind).credential, ...(format ? { format } : {}) }, { token: home.server.demo.token });
  expect(res.status, res.text).toBe(201);
  return res.json as { link: string; credentialConfigurationId: string; offerId: string };
};

describe('a student receives an SD-JWT VC in a wallet', () => {
  it.each(['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'] as const)('%s: offered as dc+sd-jwt, bound to the wallet key, verified by an outside verifier', async (kind) => {
    const o = await offer(kind, 'dc+sd-jwt');
    expect(o.credentialConfigurationId).toBe(`${kind}_sd_jwt_vc`);
    const key = await walletKey();
    const { response } = await receive(o.link, key);
    const sdjwt = (response.credentials as { credential: string }[])[0]!.credential;
    expect(sdjwt.endsWith('~')).toBe(true);
    const issued = decodeJwt(sdjwt.split('~')[0]!);
    expect(issued.cnf).toEqual({ jwk: key.publicJwk });
    expect(issued.iss).toBe(`${base}/schools/${home.server.demo.uai}`);

    const { payload, typeMetadata } = await outsideVerifier().verify(sdjwt);
    expect(payload.student).toMatchObject({ givenName: 'Zéphyrine' });
    // sd-jwt-js fetched the vct URL and validated it as Type Metadata.
    expect(typeMetadata?.mergedTypeMetadata).toMatchObject({ vct: issued.vct, display: [{ locale: 'fr-FR' }, { locale: 'en-US' }] });
  });

  it("attesto's verify routes accept it: as a credential, and presented by the holder with a key binding JWT", async () => {
    const key = await walletKey();
    const o = await offer('DiplomaCredential', 'dc+sd-jwt');
    const sdjwt = ((await receive(o.link, key)).response.credentials as { credential: string }[])[0]!.credential;
    const asCredential = await home.post('/credentials/verify', { verifiableCredential: sdjwt });
    expect(asCredential.status, asCredential.text).toBe(200);
    expect(asCredential.json).toMatchObject({ verified: true, credential: { format: 'dc+sd-jwt', kind: 'DiplomaCredential' }, issuer: { uai: home.server.demo.uai } });

    // The wallet shows the diploma and the name only, for this employer and this request.
    const holder = new SDJwtVcInstance({
      hasher: sha256,
      saltGenerator: () => 'unused',
      kbSignAlg: 'ES256',
      kbSigner: async (data: string) => Buffer.from(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey as never, new TextEncoder().encode(data))).toString('base64url'),
    });
    const options = { challenge: 'c-31f4', domain: 'https://rh.employeur.example' };
    const presentation = await holder.present(sdjwt, { achievement: true, student: { givenName: true, familyName: true } } as never, {
      kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: options.domain, nonce: options.challenge } as never },
    });
    const presented = await home.post('/presentations/verify', { verifiablePresentation: presentation, options });
    expect(presented.status, presented.text).toBe(200);
    expect(presented.json).toMatchObject({ verified: true, holder: key.did });
    expect(presented.json.credentials[0].disclosed.student).toEqual({ givenName: 'Zéphyrine', familyName: 'Quasimodo-Vertbois' });
    const replayed = await home.post('/presentations/verify', { verifiablePresentation: presentation, options: { ...options, challenge: 'another-request' } });
    expect(replayed.status).toBe(400);
    expect(replayed.json.errors.map((e: { code: string }) => e.code)).toEqual(['CHALLENGE_MISMATCH']);
  });

  it('binds to the key of a proof that names it by a jwk header, the binding method the metadata advertises', async () => {
    const key = await walletKey();
    const o = await offer('DiplomaCredential', 'dc+sd-jwt');
    const sdjwt = ((await receive(o.link, key, undefined, 'jwk')).response.credentials as { credential: string }[])[0]!.credential;
    expect(decodeJwt(sdjwt.split('~')[0]!).cnf).toEqual({ jwk: { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y } });
  });

  it('an offer without a format stays a W3C VC 1.1 JWT, as before', async () => {
    const o = await offer('DiplomaCredential');
    expect(o.credentialConfigurationId).toBe('DiplomaCredential_jwt_vc_json');
  });

  it('the outside verifier sees a revocation, through the Token Status List the school publishes', async () => {
    const key = await walletKey();
    const o = await offer('DiplomaCredential', 'dc+sd-jwt');
    const { response } = await receive(o.link, key);
    const sdjwt = (response.credentials as { credential: string }[])[0]!.credential;
    const status = decodeJwt(sdjwt.split('~')[0]!).status as { status_list: { idx: number; uri: string } };
    const list = await fetch(status.status_list.uri);
    expect(list.headers.get('content-type')).toBe('application/statuslist+jwt');

    // The school finds the credential id in its audit (the delivery of its offer), and revokes.
    const audit = await home.get(`/schools/${home.server.demo.uai}/audit?limit=500`, { token: home.server.demo.token });
    const issuedEvent = (audit.json.events as { action: string; actor: string; credentialId?: string }[]).find((e) => e.action === 'credential.issued' && e.actor === `wallet:offer:${o.offerId}`)!;
    expect(issuedEvent.credentialId).toMatch(new RegExp(`:${status.status_list.idx}$`));
    const revoked = await home.post('/credentials/status', { credentialId: issuedEvent.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }, { token: home.server.demo.token });
    expect(revoked.status, revoked.text).toBe(200);
    await expect(outsideVerifier().verify(sdjwt)).rejects.toThrow(/Status is not valid/);
  });

  it('serves Type Metadata for each kind at its vct, describing claims that are issued, as they are disclosed', async () => {
    for (const [slug, kind] of [['enrollment', 'EnrollmentCredential'], ['transcript', 'TranscriptCredential'], ['diploma', 'DiplomaCredential']] as const) {
      const res = await home.get(`/vct/${slug}`);
      expect(res.status).toBe(200);
      expect(res.json.vct).toBe(`${base}/vct/${slug}`);
      const issued = await home.post('/credentials/issue', { ...issueRequest(kind), options: { format: 'dc+sd-jwt' } }, { token: home.server.demo.token });
      const sdjwt = issued.json.verifiableCredential as string;
      const claims = (await home.post('/credentials/verify', { verifiableCredential: sdjwt })).json.disclosed as Record<string, unknown>;
      // Names that are disclosures of their own, at the top level and inside `student`.
      const disclosed = new Set(sdjwt.split('~').slice(1, -1).map((d) => (JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[])[1]));
      for (const { path, sd } of res.json.claims as { path: (string | number | null)[]; sd: string }[]) {
        let values: unknown[] = [claims];
        for (const step of path) values = values.flatMap((v) => (step === null ? (Array.isArray(v) ? v : []) : v && typeof v === 'object' ? [(v as Record<string, unknown>)[step as string]] : [])).filter((v) => v !== undefined);
        expect(values.length, `${slug}: ${JSON.stringify(path)} selects nothing`).toBeGreaterThan(0);
        expect(sd, `${slug}: ${JSON.stringify(path)}`).toBe(disclosed.has(path[path.length - 1]) && (path.length === 1 || path[0] === 'student') ? 'always' : 'never');
      }
    }
    expect((await home.get('/vct/passport')).status).toBe(404);
    expect((await home.get('/vct/constructor')).status).toBe(404);
  });
});
