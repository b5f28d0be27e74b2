/**
 * Verifying presentations: a holder's wallet key signs its own credentials for one verifier and
 * one request. Presentations are made by did-jwt-vc (VC 1.1) and jose (VC 2.0), as wallets make
 * them; credentials are issued for real (dynalite store, local keys), under a frozen clock.
 */
import { createVerifiablePresentationJwt } from 'did-jwt-vc';
import { ES256Signer } from 'did-jwt';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import type { VerifyDeps } from '../../lambdas/core/verify/ports';
import { verifyPresentation } from '../../lambdas/core/verify/verify-presentation';
import { didKeyMethodId } from '../../lambdas/core/key-dids';
import { base58 } from '@scure/base';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { issueRequest, SUBJECTS } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let verify: VerifyDeps;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0693333'));
  verify = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
});
afterAll(() => env.close());

const EMPLOYER = 'https://rh.example.fr';
const nowSeconds = () => Math.floor(deps.now.value.getTime() / 1000);
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

/** A wallet: a P-256 key and its did:jwk. */
async function wallet() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = (await exportJWK(publicKey)) as JWK;
  const did = `did:jwk:${Buffer.from(JSON.stringify(publicJwk)).toString('base64url')}`;
  const d = Buffer.from(((await exportJWK(privateKey)) as JWK).d!, 'base64url');
  return { did, kid: `${did}#0`, privateKey, signer: ES256Signer(d) };
}
type Wallet = Awaited<ReturnType<typeof wallet>>;

/** A diploma issued to `holder` (its credentialSubject.id), as the wallet flow issues it. */
async function issuedTo(holder: string, format: 'jwt_vc' | 'vc+jwt' = 'jwt_vc') {
  const request = issueRequest('DiplomaCredential', format, { ...SUBJECTS.DiplomaCredential, id: holder });
  const r = await issueCredential(deps, { school, actor: 't', request });
  return { credentialId: r.credentialId, vc: r.verifiableCredential };
}

/** A VC 1.1 JWT presentation, made by did-jwt-vc. */
const present = (w: Wallet, credentials: unknown[], o: { challenge?: string; domain?: string } = { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER }) =>
  createVerifiablePresentationJwt(
    { vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials as string[] } },
    { did: w.did, signer: w.signer, alg: 'ES256' },
    { ...o, header: { alg: 'ES256', kid: w.kid } },
  );

describe('a presentation by the holder of its credentials', () => {
  it('is verified for the verifier and the request it was made for, each credential with it', async () => {
    const holder = await wallet();
    const { vc } = await issuedTo(holder.did);
    const r = await verifyPresentation(verify, await present(holder, [vc]), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ verified: true, holder: holder.did, warnings: [] });
    expect(new Set(r.checks)).toEqual(new Set(['format', 'signature', 'challenge', 'domain', 'validity', 'credentials', 'holder']));
    expect(r.credentials).toHaveLength(1);
    expect(r.credentials[0]).toMatchObject({ verified: true, issuer: { uai: school.uai } });
  });

  it('is verified as a VC 2.0 vp+jwt with enveloped credentials, and in the enveloped form', async () => {
    const holder = await wallet();
    const { vc } = await issuedTo(holder.did, 'vc+jwt');
    const vp = await new SignJWT({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vc], nonce: 'abc-123', aud: EMPLOYER })
      .setProtectedHeader({ alg: 'ES256', typ: 'vp+jwt', kid: holder.kid })
      .setIssuedAt(nowSeconds())
      .sign(holder.privateKey);
    // Its holder named in `iss` alone, typed as earlier drafts of VC-JOSE-COSE did.
    const issOnly = await new SignJWT({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: [vc], nonce: 'abc-123', aud: EMPLOYER })
      .setProtectedHeader({ alg: 'ES256', typ: 'vp+ld+jwt', kid: holder.kid })
      .setIssuer(holder.did)
      .setIssuedAt(nowSeconds())
      .sign(holder.privateKey);
    for (const input of [vp, issOnly, { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${vp}` }]) {
      const r = await verifyPresentation(verify, input, { challenge: 'abc-123', domain: EMPLOYER });
      expect(r.errors).toEqual([]);
      expect(r.verified).toBe(true);
    }
  });

  it('verifies without a challenge or a domain, warning that a copy, or one made for another verifier, would verify too', async () => {
    const holder = await wallet();
    const r = await verifyPresentation(verify, await present(holder, [(await issuedTo(holder.did)).vc], {}), {});
    expect(r.verified).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['NO_CHALLENGE', 'NO_DOMAIN']);
    const withChallenge = await verifyPresentation(verify, await present(holder, [(await issuedTo(holder.did)).vc], { challenge: 'n-1' }), { challenge: 'n-1' });
    expect(withChallenge.warnings.map((w) => w.code)).toEqual(['NO_DOMAIN']);
  });

  it('of a credential bound to the same key under another DID: members in another order or more of them (did:jwk), or did:key', async () => {
    const holder = await wallet();
    const jwk = JSON.parse(Buffer.from(holder.did.slice('did:jwk:'.length), 'base64url').toString()) as JWK;
    const didJwk = (members: object) => `did:jwk:${Buffer.from(JSON.stringify(members)).toString('base64url')}`;
    // As OpenID4VCI binds a credential to a proof's jwk: {kty, crv, x, y}, in that order.
    const bound = didJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
    expect(bound).not.toBe(holder.did);
    const { vc } = await issuedTo(bound);
    const y = Buffer.from(jwk.y!, 'base64url');
    const didKey = `did:key:z${base58.encode(Buffer.concat([Buffer.from([0x80, 0x24, 2 + (y[31]! & 1)]), Buffer.from(jwk.x!, 'base64url')]))}`;
    const withUse = didJwk({ ...jwk, use: 'sig', alg: 'ES256' });
    for (const [name, did, kid] of [['jose order', holder.did, holder.kid], ['extra members', withUse, `${withUse}#0`], ['did:key', didKey, didKeyMethodId(didKey)]] as const) {
      const r = await verifyPresentation(verify, await present({ ...holder, did, kid }, [vc]), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
      expect(r.errors, name).toEqual([]);
      expect(r.verified, name).toBe(true);
    }
    // A wallet whose library drops a coordinate's leading zero byte names the same key.
    let zeroX: JWK;
    let zeroPrivate: KeyObject;
    do {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      zeroX = pair.publicKey.export({ format: 'jwk' }) as JWK;
      zeroPrivate = pair.privateKey;
    } while (Buffer.from(zeroX.x!, 'base64url')[0] !== 0);
    const short = { kty: 'EC', crv: 'P-256', x: Buffer.from(zeroX.x!, 'base64url').subarray(1).toString('base64url'), y: zeroX.y };
    const shortDid = didJwk(short);
    const { vc: toCanonical } = await issuedTo(didJwk({ kty: 'EC', crv: 'P-256', x: zeroX.x, y: zeroX.y }));
    const byShort = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [toCanonical] }, nonce: 'n-0S6_WzA2Mj', aud: EMPLOYER })
      .setProtectedHeader({ alg: 'ES256', kid: `${shortDid}#0` })
      .setIssuer(shortDid)
      .setIssuedAt(nowSeconds())
      .sign(zeroPrivate);
    const shortResult = await verifyPresentation(verify, byShort, { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(shortResult.errors).toEqual([]);
    // But not a coordinate whose last character has bits set beyond the key's (the same bytes to
    // Node's decoder): one key would then have several DIDs and thumbprints.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const padded = jwk.y!.slice(0, -1) + alphabet[alphabet.indexOf(jwk.y!.at(-1)!) | 1];
    expect(Buffer.from(padded, 'base64url').equals(Buffer.from(jwk.y!, 'base64url'))).toBe(true);
    const paddedDid = didJwk({ ...jwk, y: padded });
    const byPadded = await present({ ...holder, did: paddedDid, kid: `${paddedDid}#0` }, [vc]);
    expect(codes(await verifyPresentation(verify, byPadded, { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER }))).toEqual(['KEY_NOT_AUTHORIZED']);
    // Another key is not the holder, whatever its DID.
    const other = await wallet();
    expect(codes(await verifyPresentation(verify, await present(other, [vc]), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER }))).toEqual(['NOT_THE_HOLDERS']);
  });
});

describe('a presentation that must not pass', () => {
  it('made for another request or another verifier (a replay)', async () => {
    const holder = await wallet();
    const vp = await present(holder, [(await issuedTo(holder.did)).vc]);
    expect(codes(await verifyPresentation(verify, vp, { challenge: 'another-nonce', domain: EMPLOYER }))).toEqual(['CHALLENGE_MISMATCH']);
    expect(codes(await verifyPresentation(verify, vp, { challenge: 'n-0S6_WzA2Mj', domain: 'https://other.example' }))).toEqual(['DOMAIN_MISMATCH']);
  });

  it("of someone else's credential: each credential verifies, but it is not the holder's", async () => {
    const student = await wallet();
    const thief = await wallet();
    const { vc } = await issuedTo(student.did);
    const r = await verifyPresentation(verify, await present(thief, [vc]), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(r.verified).toBe(false);
    expect(r.credentials[0]!.verified).toBe(true);
    expect(r.errors).toEqual([{ code: 'NOT_THE_HOLDERS', check: 'holder', credential: 0, message: 'credential 0 was not issued to the holder (credentialSubject.id)' }]);
  });

  it('signed by a key other than the one its holder names', async () => {
    const holder = await wallet();
    const other = await wallet();
    const vp = await present({ ...other, did: holder.did, kid: holder.kid }, [(await issuedTo(holder.did)).vc]);
    const r = await verifyPresentation(verify, vp, { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    expect(r.credentials).toEqual([]);
  });

  it('holding a revoked credential', async () => {
    const holder = await wallet();
    const { vc, credentialId } = await issuedTo(holder.did);
    await updateStatus(deps, { school, actor: 't', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } });
    const r = await verifyPresentation(verify, await present(holder, [vc]), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(codes(r)).toEqual(['CREDENTIAL_NOT_VERIFIED']);
    expect(codes(r.credentials[0]!)).toEqual(['REVOKED']);
  });

  it('expired, or holding no credential', async () => {
    const holder = await wallet();
    const vp = await present(holder, [(await issuedTo(holder.did)).vc]);
    const later = deps.now.value;
    deps.now.value = new Date(later.getTime() + 3600_000);
    try {
      // did-jwt-vc leaves exp out: a presentation made an hour ago still verifies, unless it expires.
      const expiring = await createVerifiablePresentationJwt(
        { vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [(await issuedTo(holder.did)).vc as string] }, exp: nowSeconds() - 600 },
        { did: holder.did, signer: holder.signer, alg: 'ES256' },
        { challenge: 'c', domain: EMPLOYER, header: { alg: 'ES256', kid: holder.kid } },
      );
      expect(codes(await verifyPresentation(verify, expiring, { challenge: 'c', domain: EMPLOYER }))).toEqual(['EXPIRED']);
      expect((await verifyPresentation(verify, vp, { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER })).verified).toBe(true);
    } finally {
      deps.now.value = later;
    }
    expect(codes(await verifyPresentation(verify, await present(holder, []), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER }))).toEqual(['NO_CREDENTIALS']);
  });

  it('says an SD-JWT VC inside a W3C presentation is presented on its own (its holder is bound by its key binding JWT), not that it is someone else\'s', async () => {
    const holder = await wallet();
    const request = issueRequest('DiplomaCredential', 'dc+sd-jwt', { ...SUBJECTS.DiplomaCredential, id: holder.did });
    const sdJwt = (await issueCredential(deps, { school, actor: 't', request })).verifiableCredential as string;
    // did-jwt-vc will not make one: signed as a wallet would.
    const vp = await new SignJWT({ vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [sdJwt] }, nonce: 'n-0S6_WzA2Mj', aud: EMPLOYER })
      .setProtectedHeader({ alg: 'ES256', kid: holder.kid })
      .setIssuer(holder.did)
      .setIssuedAt(nowSeconds())
      .sign(holder.privateKey);
    const r = await verifyPresentation(verify, vp, { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(r.verified).toBe(false);
    expect(r.errors).toEqual([
      { code: 'SD_JWT_VC_IN_PRESENTATION', check: 'holder', credential: 0, message: 'credential 0 is an SD-JWT VC: present it on its own, with its key binding JWT (RFC 9901 §4.3), as the whole verifiablePresentation' },
    ]);
    // The credential itself is genuine, and said so.
    expect(r.credentials[0]).toMatchObject({ verified: true });
  });

  it('whose holder is not a wallet key, or which is not a presentation at all', async () => {
    const holder = await wallet();
    const asSchool = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [] }, nonce: 'n' })
      .setProtectedHeader({ alg: 'ES256', kid: `${school.did}#key-1` })
      .setIssuer(school.did)
      .sign(holder.privateKey);
    expect(codes(await verifyPresentation(verify, asSchool, { challenge: 'n' }))).toEqual(['HOLDER_NOT_SUPPORTED']);
    const { vc } = await issuedTo(holder.did);
    expect(codes(await verifyPresentation(verify, vc, {}))).toEqual(['MALFORMED_PRESENTATION']); // a credential, not a presentation
    // With something in the signature's place: refused for its alg, not for its shape.
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.AAAA`;
    expect(codes(await verifyPresentation(verify, unsigned, {}))).toEqual(['UNSUPPORTED_ALGORITHM']);
    for (const input of ['', 'a.b.c', unsigned, 42, null, { id: 'data:application/vc+jwt,a.b.c' }]) {
      const r = await verifyPresentation(verify, input, {});
      expect(r.verified, JSON.stringify(input)).toBe(false);
      expect(r.checks).toEqual([]);
    }
  });

  it('with values that cannot be turned into text, or dates out of range: a verdict, never a crash', async () => {
    const holder = await wallet();
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const untextable = `${b64({ alg: { toString: 0 } })}.${b64({ vp: { type: ['VerifiablePresentation'] } })}.AA`;
    expect(codes(await verifyPresentation(verify, untextable, {}))).toEqual(['UNSUPPORTED_ALGORITHM']);
    for (const claims of [{ nbf: 1e20 }, { exp: -1e20 }, { iat: 1.7e308 }]) {
      const vp = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [] }, ...claims }).setProtectedHeader({ alg: 'ES256', kid: holder.kid }).setIssuer(holder.did).sign(holder.privateKey);
      expect(codes(await verifyPresentation(verify, vp, {})), JSON.stringify(claims)).toEqual(['MALFORMED_PRESENTATION']);
    }
    // Made in the future, whatever its nbf says.
    const { vc } = await issuedTo(holder.did);
    const future = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [vc] }, nbf: nowSeconds() - 10 }).setProtectedHeader({ alg: 'ES256', kid: holder.kid }).setIssuer(holder.did).setIssuedAt(nowSeconds() + 3600).sign(holder.privateKey);
    expect(codes(await verifyPresentation(verify, future, {}))).toEqual(['NOT_YET_VALID']);
    // A key written with what is not base64url (a decoder would skip the dot): refused.
    const jwk = JSON.parse(Buffer.from(holder.did.slice('did:jwk:'.length), 'base64url').toString()) as JWK;
    const loose = `did:jwk:${Buffer.from(JSON.stringify({ ...jwk, x: `${jwk.x}.` })).toString('base64url')}`;
    const looseVp = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [vc] } }).setProtectedHeader({ alg: 'ES256', kid: `${loose}#0` }).setIssuer(loose).sign(holder.privateKey);
    expect(codes(await verifyPresentation(verify, looseVp, {}))).toEqual(['KEY_NOT_AUTHORIZED']);
    const twoHolders = await new SignJWT({ vp: { type: ['VerifiablePresentation'], holder: 'did:jwk:someone-else', verifiableCredential: [] } }).setProtectedHeader({ alg: 'ES256', kid: holder.kid }).setIssuer(holder.did).sign(holder.privateKey);
    expect(codes(await verifyPresentation(verify, twoHolders, {}))).toEqual(['MALFORMED_PRESENTATION']);
  });

  it('names its holder only once the holder has signed it', async () => {
    const holder = await wallet();
    const forged = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [] } }).setProtectedHeader({ alg: 'ES256', kid: `${holder.did}#0` }).setIssuer(holder.did).sign((await wallet()).privateKey);
    const r = await verifyPresentation(verify, forged, {});
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    expect(r.holder).toBeUndefined();
  });

  it("holding a credential of an issuer that is not a registered school: refused as such, without fetching its DID", async () => {
    const holder = await wallet();
    const outsider = await generateKeyPair('ES256');
    const did = 'did:web:unreachable.invalid';
    const foreign = await new SignJWT({ vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'DiplomaCredential'], credentialSubject: {} }, sub: holder.did })
      .setProtectedHeader({ alg: 'ES256', kid: `${did}#key-1` })
      .setIssuer(did)
      .sign(outsider.privateKey);
    const resolved: string[] = [];
    const counting: VerifyDeps = { ...verify, resolveDid: (d, o) => (resolved.push(d), verify.resolveDid(d, o)) };
    const r = await verifyPresentation(counting, await present(holder, [foreign]), { challenge: 'n-0S6_WzA2Mj', domain: EMPLOYER });
    expect(codes(r)).toEqual(['CREDENTIAL_NOT_VERIFIED']);
    expect(codes(r.credentials[0]!)).toEqual(['ISSUER_NOT_REGISTERED']);
    expect(resolved).toEqual([holder.did]);
  });
});
