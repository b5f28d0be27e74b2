/**
 * Verifying SD-JWT VCs (draft-ietf-oauth-sd-jwt-vc §2.4, RFC 9901 §7): real issuance (dynalite,
 * local keys), presentations made by sd-jwt-js as a wallet would, and crafted attacks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { signJwt } from '../../lambdas/core/credential/jws';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import type { UpdateStatusRequest } from '../../lambdas/core/requests';
import type { VerifyDeps } from '../../lambdas/core/verify/ports';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { verifyPresentation } from '../../lambdas/core/verify/verify-presentation';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { diplomaSubject, issueRequest, KINDS, type KindName } from '../helpers/fixtures';
import { startStore } from '../helpers/store';
import { walletKey, type WalletKey } from '../helpers/wallet';
import { seeded } from '../helpers/random';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let verify: VerifyDeps;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];
let fetched: string[];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0751234', 'Lycée Victor Hugo'));
  const sources = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
  verify = { ...sources, fetchStatusList: (url) => (fetched.push(url), sources.fetchStatusList(url)) };
});
afterAll(() => env.close());

const at = (iso: string) => (deps.now.value = new Date(iso));
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);
const sha256 = (data: string | ArrayBuffer) => createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data)).digest();
const digest = (disclosure: string) => createHash('sha256').update(disclosure).digest('base64url');
const disclosure = (...parts: unknown[]) => Buffer.from(JSON.stringify([randomBytes(16).toString('base64url'), ...parts])).toString('base64url');

async function issued(kind: KindName = 'DiplomaCredential', subject: Record<string, unknown> = {}) {
  at('2026-11-22T10:00:00Z');
  fetched = [];
  const request = issueRequest(kind, 'dc+sd-jwt');
  const r = await issueCredential(deps, { school, actor: 't', request: { ...request, credential: { ...request.credential, credentialSubject: { ...request.credential.credentialSubject, ...subject } } } });
  return { ...r, sdjwt: r.verifiableCredential as string };
}

/** A wallet: sd-jwt-js presenting what the holder chooses, with a key binding JWT when it holds the key. */
function wallet(holder?: WalletKey) {
  return new SDJwtVcInstance({
    hasher: sha256,
    saltGenerator: () => randomBytes(16).toString('base64url'),
    kbSignAlg: 'ES256',
    kbSigner: async (data: string) =>
      Buffer.from(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, holder!.privateKey as never, new TextEncoder().encode(data))).toString('base64url'),
  });
}

/** Signs claims as the school would, for crafted SD-JWTs: the school's real key, our own layout. */
const schoolSigned = (claims: Record<string, unknown>, typ = 'dc+sd-jwt') => signJwt(claims, { signer: deps.signer, keyRef: school.keyRef, kid: school.kid }, typ);
const visibleClaims = (extra: Record<string, unknown> = {}) => ({
  iss: `${PUBLIC_URL}/schools/${school.uai}`,
  iat: Math.floor(deps.now.value.getTime() / 1000),
  nbf: Math.floor(deps.now.value.getTime() / 1000),
  vct: `${PUBLIC_URL}/vct/diploma`,
  status: { status_list: { idx: 7, uri: `${PUBLIC_URL}/schools/${school.uai}/status-lists/token/1` } },
  _sd_alg: 'sha-256',
  ...extra,
});

describe('a genuine SD-JWT VC', () => {
  it.each(KINDS)('%s passes every check, and the verifier reads back what was disclosed', async (kind) => {
    const { sdjwt } = await issued(kind);
    const r = await verifyCredential(verify, sdjwt);
    expect(r.errors).toEqual([]);
    expect(r.verified).toBe(true);
    expect(new Set(r.checks)).toEqual(new Set(['format', 'signature', 'validity', 'status', 'issuer', 'schema']));
    expect(r.issuer).toEqual({ iss: `${PUBLIC_URL}/schools/${school.uai}`, did: school.did, uai: school.uai, name: 'Lycée Victor Hugo' });
    expect(r.credential).toMatchObject({ kind, format: 'dc+sd-jwt' });
    expect(r.disclosed).toMatchObject({ student: diplomaSubject.student });
    expect(fetched).toEqual([`${PUBLIC_URL}/schools/${school.uai}/status-lists/token/1`]);
  });

  it('verifies with nothing disclosed, and says so (NOTHING_DISCLOSED)', async () => {
    const { sdjwt } = await issued();
    const r = await verifyCredential(verify, `${sdjwt.split('~')[0]}~`);
    expect(r.verified).toBe(true);
    expect(r.disclosed).toEqual({});
    expect(r.warnings.map((w) => w.code)).toEqual(['NOTHING_DISCLOSED']);
    expect((await verifyCredential(verify, sdjwt)).warnings).toEqual([]);
  });

  it('verifies with only what the holder chose to disclose: no birth date, nothing else', async () => {
    const { sdjwt } = await issued();
    const presented = await wallet().present(sdjwt, { achievement: true, student: { familyName: true } } as never);
    const r = await verifyCredential(verify, presented);
    expect(r.verified).toBe(true);
    expect(r.disclosed).toEqual({ achievement: expect.objectContaining({ name: diplomaSubject.title }), student: { familyName: diplomaSubject.student.familyName } });
  });

  it('is refused once revoked, and while suspended', async () => {
    const a = await issued();
    const b = await issued();
    const change = (credentialId: string, statusPurpose: 'revocation' | 'suspension') =>
      updateStatus(deps, { school, actor: 't', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status: true }] } as UpdateStatusRequest });
    await change(a.credentialId, 'revocation');
    await change(b.credentialId, 'suspension');
    expect(codes(await verifyCredential(verify, a.sdjwt))).toEqual(['REVOKED']);
    expect(codes(await verifyCredential(verify, b.sdjwt))).toEqual(['SUSPENDED']);
  });

  it('is refused before nbf and after exp', async () => {
    const { sdjwt } = await issued('EnrollmentCredential');
    at('2027-08-01T00:00:00Z');
    expect(codes(await verifyCredential(verify, sdjwt))).toEqual(['EXPIRED']);
    at('2026-11-22T09:00:00Z');
    expect(codes(await verifyCredential(verify, sdjwt))).toEqual(['NOT_YET_VALID']);
  });
});

describe('what an SD-JWT VC verification refuses (RFC 9901 §7.1)', () => {
  it('a disclosure altered after issuance: its digest is referenced nowhere', async () => {
    const { sdjwt } = await issued();
    const parts = sdjwt.split('~');
    const [salt, name, value] = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as [string, string, unknown];
    parts[1] = Buffer.from(JSON.stringify([salt, name, typeof value === 'string' ? `${value}!` : { forged: true }])).toString('base64url');
    const r = await verifyCredential(verify, parts.join('~'));
    expect(codes(r)).toEqual(['MALFORMED_CREDENTIAL']);
    expect(r.disclosed).toBeUndefined();
  });

  it("a disclosure taken from another credential of the same school", async () => {
    const a = await issued();
    const b = await issued();
    const mixed = `${a.sdjwt}${b.sdjwt.split('~')[1]}~`;
    expect(codes(await verifyCredential(verify, mixed))).toEqual(['MALFORMED_CREDENTIAL']);
    // The library decoder ignores it: why attesto processes disclosures itself.
    await expect(wallet().getClaims(mixed)).resolves.toBeDefined();
  });

  it('a disclosure that would overwrite a claim the issuer made visible (which sd-jwt-js lets through)', async () => {
    const forged = disclosure('name', 'Doctorat');
    const jwt = await schoolSigned(visibleClaims({ name: 'Baccalauréat', _sd: [digest(forged)] }));
    const sdjwt = `${jwt}~${forged}~`;
    expect((await verifyCredential(verify, sdjwt)).errors[0]).toMatchObject({ code: 'MALFORMED_CREDENTIAL', message: expect.stringMatching(/already exists/) });
    // The library decoder keeps the forged value: why attesto processes disclosures itself.
    expect(((await wallet().getClaims(sdjwt)) as { name: string }).name).toBe('Doctorat');
  });

  it('a digest used twice, a disclosure named "_sd", one given twice, and a missing final "~"', async () => {
    const d = disclosure('level', 'A');
    const twice = await schoolSigned(visibleClaims({ _sd: [digest(d)], nested: { _sd: [digest(d)] } }));
    expect(codes(await verifyCredential(verify, `${twice}~${d}~`))).toEqual(['MALFORMED_CREDENTIAL']);
    const sd = disclosure('_sd', ['x']);
    const named = await schoolSigned(visibleClaims({ _sd: [digest(sd)] }));
    expect(codes(await verifyCredential(verify, `${named}~${sd}~`))).toEqual(['MALFORMED_CREDENTIAL']);
    const once = await schoolSigned(visibleClaims({ _sd: [digest(d)] }));
    expect(codes(await verifyCredential(verify, `${once}~${d}~${d}~`))).toEqual(['MALFORMED_CREDENTIAL']);
    expect(codes(await verifyCredential(verify, `${once}~${d}`))).toEqual(['MALFORMED_CREDENTIAL']);
  });

  it('a claim named __proto__ stays a claim: no prototype is replaced, nothing reaches Object.prototype', async () => {
    await issued();
    const d = disclosure('__proto__', { polluted: true });
    const jwt = await schoolSigned(visibleClaims({ _sd: [digest(d)] }));
    const r = await verifyCredential(verify, `${jwt}~${d}~`);
    expect(r.verified).toBe(true);
    expect(Object.hasOwn(r.disclosed!, '__proto__')).toBe(true);
    expect((r.disclosed as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('another typ, alg none, a signature by another key', async () => {
    expect(codes(await verifyCredential(verify, `${await schoolSigned(visibleClaims(), 'JWT')}~`))).toEqual(['MALFORMED_CREDENTIAL']);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dc+sd-jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(visibleClaims())).toString('base64url')}.c2ln`;
    expect(codes(await verifyCredential(verify, `${none}~`))).toEqual(['UNSUPPORTED_ALGORITHM']);
    const intruder = await walletKey();
    const forged = await new SignJWT(visibleClaims()).setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt', kid: school.kid }).sign(intruder.privateKey);
    expect(codes(await verifyCredential(verify, `${forged}~`))).toEqual(['SIGNATURE_INVALID']);
  });

  it("maps only this deployment's exact school identifiers to a school's DID", () => {
    expect(verify.issuerDid(`${PUBLIC_URL}/schools/${school.uai}`)).toBe(school.did);
    for (const iss of [`${PUBLIC_URL}/schools/${school.uai}/`, `${PUBLIC_URL}/schools/${school.uai}/../0130001X`, `${PUBLIC_URL}//schools/${school.uai}`, `${PUBLIC_URL}/schools/${school.uai}#x`, `https://evil.example/schools/${school.uai}`, `${PUBLIC_URL}.evil.example/schools/${school.uai}`]) {
      expect(verify.issuerDid(iss), iss).toBeUndefined();
    }
  });

  it('an issuer not registered here, without fetching anything', async () => {
    fetched = [];
    const intruder = await walletKey();
    const forged = await new SignJWT(visibleClaims({ iss: 'https://evil.example/schools/0751234A' })).setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt' }).sign(intruder.privateKey);
    const r = await verifyCredential(verify, `${forged}~`);
    expect(codes(r)).toEqual(['ISSUER_NOT_REGISTERED']);
    expect(r.verified).toBe(false);
    expect(fetched).toEqual([]);
    // A school's address here, but of no registered school: said so, as for a JWT credential.
    const unregistered = await new SignJWT(visibleClaims({ iss: `${PUBLIC_URL}/schools/0750005Y` })).setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt' }).sign(intruder.privateKey);
    expect(codes(await verifyCredential(verify, `${unregistered}~`))).toEqual(['ISSUER_NOT_REGISTERED']);
  });

  it("claims of another school, signed by this one: its school as a list, its grader as a list, an id that is another school's (ISSUER_MISMATCH)", async () => {
    await issued();
    const namingOther = { id: 'did:web:attesto.test:schools:0130001F', uai: '0130001F', name: 'Autre lycée' };
    const enrolment = { vct: `${PUBLIC_URL}/vct/enrollment` };
    const transcript = { vct: `${PUBLIC_URL}/vct/transcript` };
    for (const [why, claims] of [
      ['school as a plain object', visibleClaims({ ...enrolment, school: namingOther })],
      ['school as a list', visibleClaims({ ...enrolment, school: [namingOther] })],
      ['grader as a list', visibleClaims({ ...transcript, achievement: { creator: [namingOther] } })],
      ['id', visibleClaims({ id: 'urn:attesto:0130001F:1:108315' })],
      ['jti in capitals', visibleClaims({ jti: 'URN:ATTESTO:0130001F:1:1' })],
    ] as const) {
      expect(codes(await verifyCredential(verify, `${await schoolSigned(claims)}~`)), why).toContain('ISSUER_MISMATCH');
    }
  });

  it("another school's Token Status List, even once a credential of that school has been verified", async () => {
    const { school: other } = await schoolWithToken(deps, '0130001', 'Autre lycée');
    const otherSigned = await signJwt(
      visibleClaims({ iss: `${PUBLIC_URL}/schools/${other.uai}` }),
      { signer: deps.signer, keyRef: other.keyRef, kid: other.kid },
      'dc+sd-jwt',
    );
    await issued();
    const before = await verifyCredential(verify, `${otherSigned}~`);
    expect(codes(before)).toEqual(['STATUS_LIST_INVALID']);
    // Verifying one of this school's credentials caches its list; the other school's token must not ride on it.
    expect((await verifyCredential(verify, (await issued()).sdjwt)).verified).toBe(true);
    expect(codes(await verifyCredential(verify, `${otherSigned}~`))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('a credential without status, and one whose status names a W3C list', async () => {
    const { status: _s, ...noStatus } = visibleClaims();
    expect(codes(await verifyCredential(verify, `${await schoolSigned(noStatus)}~`))).toEqual(['STATUS_MISSING']);
    await issued();
    const elsewhere = visibleClaims({ status: { status_list: { idx: 7, uri: `${PUBLIC_URL}/schools/${school.uai}/status-lists/revocation/1` } } });
    expect(codes(await verifyCredential(verify, `${await schoolSigned(elsewhere)}~`))).toEqual(['STATUS_LIST_INVALID']);
  });

  it("a genuine Token Status List of the school, served for another list's URL (sub)", async () => {
    await issued();
    const list1 = (await env.store.getPublishedList(school.uai, 1, 'token'))!.jwt;
    const list2 = `${PUBLIC_URL}/schools/${school.uai}/status-lists/token/2`;
    const swapped: VerifyDeps = { ...verify, fetchStatusList: async (url) => (url === list2 ? list1 : verify.fetchStatusList(url)) };
    const r = await verifyCredential(swapped, `${await schoolSigned(visibleClaims({ status: { status_list: { idx: 7, uri: list2 } } }))}~`);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'STATUS_LIST_INVALID', message: expect.stringMatching(/sub/) })]);
  });

  it('an idx past the end of the list (a fail-closed verdict, not a crash)', async () => {
    await issued();
    const r = await verifyCredential(verify, `${await schoolSigned(visibleClaims({ status: { status_list: { idx: 10_000_000, uri: `${PUBLIC_URL}/schools/${school.uai}/status-lists/token/1` } } }))}~`);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'STATUS_LIST_INVALID', message: expect.stringMatching(/outside/) })]);
  });

  it('an iat in the future or not a NumericDate', async () => {
    await issued();
    const future = Math.floor(deps.now.value.getTime() / 1000) + 3600;
    const { nbf: _nbf, ...noNbf } = visibleClaims();
    expect(codes(await verifyCredential(verify, `${await schoolSigned({ ...noNbf, iat: future })}~`))).toEqual(['NOT_YET_VALID']);
    expect(codes(await verifyCredential(verify, `${await schoolSigned({ ...noNbf, iat: '2026-11-22' })}~`))).toEqual(['MALFORMED_CREDENTIAL']);
  });

  it('cnf, status or another always-visible claim given as a disclosure (SD-JWT VC §2.2.2.2)', async () => {
    await issued();
    const holder = await walletKey();
    for (const [name, value] of [['cnf', { jwk: holder.publicJwk }], ['exp', 1], ['vct#integrity', 'sha256-x']] as const) {
      const d = disclosure(name, value);
      const jwt = await schoolSigned(visibleClaims({ _sd: [digest(d)] }));
      expect((await verifyCredential(verify, `${jwt}~${d}~`)).errors[0], name).toMatchObject({ code: 'MALFORMED_CREDENTIAL', message: expect.stringContaining(name) });
    }
    const { status, ...rest } = visibleClaims();
    const d = disclosure('status', status);
    expect(codes(await verifyCredential(verify, `${await schoolSigned({ ...rest, _sd: [digest(d)] })}~${d}~`))).toEqual(['MALFORMED_CREDENTIAL']);
  });
});

describe('key binding (RFC 9901 §7.3)', () => {
  it("accepts a key binding JWT by the holder's key over this presentation; refuses one by another key", async () => {
    const holder = await walletKey();
    const { sdjwt } = await issued('DiplomaCredential', { id: holder.did });
    const kb = { payload: { iat: Math.floor(deps.now.value.getTime() / 1000), aud: 'https://employer.example', nonce: 'n-1' } };
    const presented = await wallet(holder).present(sdjwt, { achievement: true } as never, { kb });
    expect((await verifyCredential(verify, presented)).verified).toBe(true);
    const thief = await walletKey();
    const stolen = await wallet(thief).present(sdjwt, { achievement: true } as never, { kb });
    expect(codes(await verifyCredential(verify, stolen))).toEqual(['KEY_BINDING_INVALID']);
  });

  it('refuses a key binding JWT without nonce or aud (RFC 9901 §4.3), or naming critical extensions', async () => {
    const holder = await walletKey();
    const { sdjwt } = await issued('DiplomaCredential', { id: holder.did });
    const iat = Math.floor(deps.now.value.getTime() / 1000);
    const kb = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
      new SignJWT({ iat, sd_hash: createHash('sha256').update(sdjwt, 'ascii').digest('base64url'), ...payload }).setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt', ...header }).sign(holder.privateKey);
    expect((await verifyCredential(verify, `${sdjwt}${await kb({ nonce: 'n', aud: 'a' })}`)).verified).toBe(true);
    expect(codes(await verifyCredential(verify, `${sdjwt}${await kb({ aud: 'a' })}`))).toEqual(['KEY_BINDING_INVALID']);
    expect(codes(await verifyCredential(verify, `${sdjwt}${await kb({ nonce: 'n' })}`))).toEqual(['KEY_BINDING_INVALID']);
    expect(codes(await verifyCredential(verify, `${sdjwt}${await kb({ nonce: 'n', aud: 'a' }, { crit: ['b64'], b64: true })}`))).toEqual(['KEY_BINDING_INVALID']);
  });

  it('refuses a key binding JWT moved onto another selection of disclosures (sd_hash)', async () => {
    const holder = await walletKey();
    const { sdjwt } = await issued('DiplomaCredential', { id: holder.did });
    const kb = { payload: { iat: Math.floor(deps.now.value.getTime() / 1000), aud: 'https://employer.example', nonce: 'n-1' } };
    const small = await wallet(holder).present(sdjwt, { achievement: true } as never, { kb });
    const full = `${sdjwt}${small.split('~').pop()}`;
    expect(codes(await verifyCredential(verify, full))).toEqual(['KEY_BINDING_INVALID']);
  });
});

describe('an SD-JWT VC presented by its holder (POST /presentations/verify)', () => {
  const ask = { challenge: 'n-0b7c', domain: 'https://rh.employeur.example' };
  const present = async (sdjwt: string, key: WalletKey, payload: Record<string, unknown> = {}) =>
    wallet(key).present(sdjwt, { achievement: true, student: { givenName: true, familyName: true } } as never, {
      kb: { payload: { iat: Math.floor(deps.now.value.getTime() / 1000), aud: ask.domain, nonce: ask.challenge, ...payload } as never },
    });
  const presentationCodes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

  it('verifies the holder, for this request and this verifier, and the credential', async () => {
    const holder = await walletKey();
    const { sdjwt } = await issued('DiplomaCredential', { id: holder.did });
    const r = await verifyPresentation(verify, await present(sdjwt, holder), ask);
    expect(r.errors).toEqual([]);
    expect(r.verified).toBe(true);
    expect(r.holder).toBe(holder.did);
    expect(r.credentials[0]).toMatchObject({ verified: true, disclosed: { student: { givenName: diplomaSubject.student.givenName, familyName: diplomaSubject.student.familyName } } });
  });

  it('refuses a presentation made for another request or another verifier, or made too long ago', async () => {
    const holder = await walletKey();
    const { sdjwt } = await issued('DiplomaCredential', { id: holder.did });
    expect(presentationCodes(await verifyPresentation(verify, await present(sdjwt, holder, { nonce: 'other' }), ask))).toEqual(['CHALLENGE_MISMATCH']);
    expect(presentationCodes(await verifyPresentation(verify, await present(sdjwt, holder, { aud: 'https://elsewhere.example' }), ask))).toEqual(['DOMAIN_MISMATCH']);
    // aud as RFC 7519 allows it: an array naming this verifier among others.
    expect((await verifyPresentation(verify, await present(sdjwt, holder, { aud: ['https://elsewhere.example', ask.domain] }), ask)).verified).toBe(true);
    expect(presentationCodes(await verifyPresentation(verify, await present(sdjwt, holder, { aud: ['https://elsewhere.example'] }), ask))).toEqual(['DOMAIN_MISMATCH']);
    // Asked without a domain: it verifies, saying one made for another verifier would too.
    const anyDomain = await verifyPresentation(verify, await present(sdjwt, holder), { challenge: ask.challenge });
    expect(anyDomain.verified).toBe(true);
    expect(anyDomain.warnings.map((w) => w.code)).toEqual(['NO_DOMAIN']);
    expect(presentationCodes(await verifyPresentation(verify, await present(sdjwt, holder, { iat: Math.floor(deps.now.value.getTime() / 1000) - 3600 }), ask))).toEqual(['EXPIRED']);
  });

  it("refuses a copied credential: no key binding, or one by a key that is not the holder's", async () => {
    const holder = await walletKey();
    const { sdjwt } = await issued('DiplomaCredential', { id: holder.did });
    expect(presentationCodes(await verifyPresentation(verify, sdjwt, ask))).toEqual(['MALFORMED_PRESENTATION']);
    expect(presentationCodes(await verifyPresentation(verify, await present(sdjwt, await walletKey()), ask))).toEqual(['SIGNATURE_INVALID']);
    const unbound = await issued('DiplomaCredential');
    expect(presentationCodes(await verifyPresentation(verify, await present(unbound.sdjwt, holder), ask))).toEqual(['HOLDER_NOT_SUPPORTED']);
  });

  it('refuses the presentation of a revoked credential, saying which', async () => {
    const holder = await walletKey();
    const { sdjwt, credentialId } = await issued('DiplomaCredential', { id: holder.did });
    await updateStatus(deps, { school, actor: 't', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } as UpdateStatusRequest });
    const r = await verifyPresentation(verify, await present(sdjwt, holder), ask);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'CREDENTIAL_NOT_VERIFIED', credential: 0, message: expect.stringContaining('REVOKED') })]);
  });
});

describe('hostile SD-JWTs signed with a real school key', () => {
  // Past the signature, where a fuzzer over HTTP cannot reach: junk claims, status references and
  // key binding JWTs, all signed by the school. Every one gets an answer; none throws.
  it('always yield a verdict, never an exception (seeded)', async () => {
    await issued();
    const r = seeded(2026 + Number(process.env.FUZZ_SEED ?? 0));
    const pick = (xs: unknown[]): unknown => xs[Math.floor(r() * xs.length)];
    const junk: unknown[] = [{ toString: 0 }, null, -1, 1.5, 1e308, 'x', [], {}, [{ '...': 'x' }], { _sd: 'x' }, { _sd: [1] }, '__proto__'];
    const holder = await walletKey();
    for (let i = 0; i < 60; i++) {
      const d = disclosure(pick(['__proto__', 'student', 'constructor', 'vct']), pick(junk));
      const claims = visibleClaims({
        _sd: r() < 0.7 ? [digest(d)] : pick(junk),
        ...(r() < 0.3 ? { status: pick([{ status_list: { idx: pick(junk), uri: pick(junk) } }, ...junk]) } : {}),
        ...(r() < 0.3 ? { cnf: pick([{ jwk: pick(junk) }, { jwk: holder.publicJwk }, ...junk]) } : {}),
        ...(r() < 0.3 ? { nbf: pick(junk), exp: pick(junk) } : {}),
        ...(r() < 0.3 ? { vct: pick(junk) } : {}),
      });
      const jwt = await schoolSigned(claims as Record<string, unknown>);
      const kb = r() < 0.5 ? '' : await new SignJWT({ iat: pick([Math.floor(deps.now.value.getTime() / 1000), ...junk]) as number, sd_hash: pick(junk), nonce: pick(junk), aud: pick(junk) } as never).setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' }).sign(holder.privateKey);
      const sdjwt = `${jwt}~${r() < 0.8 ? `${d}~` : ''}${kb}`;
      await expect(verifyCredential(verify, sdjwt)).resolves.toHaveProperty('verified');
      await expect(verifyPresentation(verify, sdjwt, { challenge: 'c', domain: 'd' })).resolves.toHaveProperty('verified');
    }
  });
});
