/**
 * The verifier against real issuance (dynalite store, local keys) and crafted attacks,
 * under a frozen clock.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { bytesToBase58 } from 'did-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { signJwt, signVcJose, signVcJwt } from '../../lambdas/core/credential/jws';
import { buildCredential } from '../../lambdas/core/credential/build';
import { encodeList, newBitstring } from '../../lambdas/core/status/bitstring';
import { KINDS } from '../../lambdas/core/kinds';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import type { VerifyDeps } from '../../lambdas/core/verify/ports';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { enrollmentSubject, issueRequest, KIND_FORMAT_CASES, type KindName } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let verify: VerifyDeps;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];
let other: Awaited<ReturnType<typeof schoolWithToken>>['school'];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0751234', 'Lycée Victor Hugo'));
  ({ school: other } = await schoolWithToken(deps, '0130001'));
  verify = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
});
afterAll(() => env.close());

async function issued(kind: KindName = 'EnrollmentCredential', format: 'jwt_vc' | 'vc+jwt' = 'jwt_vc') {
  const r = await issueCredential(deps, { school, actor: 't', request: issueRequest(kind, format) });
  const jws = typeof r.verifiableCredential === 'string' ? r.verifiableCredential : r.verifiableCredential.id.replace('data:application/vc+jwt,', '');
  return { ...r, jws };
}

const at = (iso: string) => (deps.now.value = new Date(iso));
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('a genuine credential', () => {
  it.each(KIND_FORMAT_CASES)('%s as %s passes every check and names its school', async (kind, format) => {
    at('2026-11-22T10:00:00Z');
    const { jws, credentialId } = await issued(kind, format);
    const r = await verifyCredential(verify, jws);
    expect(r.errors).toEqual([]);
    expect(r.verified).toBe(true);
    expect(new Set(r.checks)).toEqual(new Set(['format', 'signature', 'validity', 'status', 'issuer', 'schema']));
    expect(r.issuer).toEqual({ did: school.did, uai: school.uai, name: 'Lycée Victor Hugo' });
    expect(r.credential).toMatchObject({ id: credentialId, kind, format });
  });

  it('is accepted in the VC-API enveloped form', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued('DiplomaCredential', 'vc+jwt');
    expect((await verifyCredential(verify, { type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jws}` })).verified).toBe(true);
  });
});

describe('validity window', () => {
  it('is expired after validUntil, beyond the tolerated skew only', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued(); // valid until 2027-07-04T23:59:59+02:00 (the end of enrolment, in Paris) = 21:59:59Z
    at('2027-07-04T22:00:30Z');
    expect((await verifyCredential(verify, jws)).verified).toBe(true);
    at('2027-07-04T22:01:01Z');
    const r = await verifyCredential(verify, jws);
    expect(r.verified).toBe(false);
    expect(codes(r)).toEqual(['EXPIRED']);
  });

  it('is not yet valid before validFrom', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued();
    at('2026-11-22T09:58:00Z');
    expect(codes(await verifyCredential(verify, jws))).toEqual(['NOT_YET_VALID']);
  });
});

describe('signature', () => {
  it('fails when a single claim is changed', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued('DiplomaCredential', 'vc+jwt');
    const [h, p, s] = jws.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.credentialSubject.result[0].value = 'Passable';
    const r = await verifyCredential(verify, `${h}.${b64(claims)}.${s}`);
    expect(r.verified).toBe(false);
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
  });

  it.each([
    ['an empty string', ''],
    ['a token longer than 65,536 characters', `${'a'.repeat(40_000)}.${'b'.repeat(40_000)}.c`],
    ['text that is not a compact JWS', 'not a credential'],
  ])('answers %s with a MALFORMED_CREDENTIAL verdict, without reading it further', async (_name, input) => {
    const r = await verifyCredential(verify, input);
    expect(r).toMatchObject({ verified: false, checks: [] });
    expect(codes(r)).toEqual(['MALFORMED_CREDENTIAL']);
  });

  it('refuses alg "none"', async () => {
    const { jws } = await issued();
    const [, p] = jws.split('.');
    const r = await verifyCredential(verify, `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`);
    expect(r.verified).toBe(false);
    expect(codes(r)[0]).toMatch(/MALFORMED_CREDENTIAL|UNSUPPORTED_ALGORITHM/);
  });

  it('refuses HS256, even "signed" with the public key as HMAC secret (algorithm confusion)', async () => {
    const { jws } = await issued();
    const [, p] = jws.split('.');
    const h = b64({ alg: 'HS256', kid: school.kid });
    const mac = createHmac('sha256', JSON.stringify(school.publicJwk)).update(`${h}.${p}`).digest('base64url');
    expect(codes(await verifyCredential(verify, `${h}.${p}.${mac}`))).toEqual(['UNSUPPORTED_ALGORITHM']);
  });

  it('never takes the key from a jwk header', async () => {
    const attacker = await generateKeyPair('ES256');
    const jwk = await exportJWK(attacker.publicKey);
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school, slot: { list: 1, index: 1 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    const forged = await new SignJWT(vc.credential).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: school.kid, jwk }).sign(attacker.privateKey);
    expect(codes(await verifyCredential(verify, forged))).toEqual(['SIGNATURE_INVALID']);
  });

  it('refuses a signature written in a non-canonical base64url form: one credential has one string', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued();
    const [h, p, s] = jws.split('.');
    // 64 bytes take 86 characters, whose last carries 4 unused bits: flipping one decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = `${s!.slice(0, -1)}${alphabet[alphabet.indexOf(s!.at(-1)!) ^ 1]}`;
    expect(Buffer.from(variant, 'base64url')).toEqual(Buffer.from(s!, 'base64url'));
    expect((await verifyCredential(verify, `${h}.${p}.${s}`)).verified).toBe(true);
    expect(codes(await verifyCredential(verify, `${h}.${p}.${variant}`))).toEqual(['SIGNATURE_INVALID']);
  });

  it('refuses a kid that is not a string, rather than falling back to the issuer\'s only key', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued('DiplomaCredential', 'vc+jwt');
    const claims = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    for (const kid of [[school.kid], { id: school.kid }, 1]) {
      const signed = await signJwt(claims, { signer: deps.signer, keyRef: school.keyRef, kid: kid as never }, 'vc+jwt');
      expect(codes(await verifyCredential(verify, signed)), JSON.stringify(kid)).toEqual(['KEY_NOT_AUTHORIZED']);
    }
  });

  it('refuses a kid that belongs to another issuer', async () => {
    const { jws } = await issued();
    const [, p, s] = jws.split('.');
    const r = await verifyCredential(verify, `${b64({ alg: 'ES256', typ: 'JWT', kid: other.kid })}.${p}.${s}`);
    expect(codes(r)).toEqual(['KEY_NOT_AUTHORIZED']);
  });

  it('refuses an issuer that is not a school registered here, even under our domain, before reading anything', async () => {
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school: { ...school, uai: '0000000A', did: `${school.did.replace(school.uai, '0000000A')}` }, slot: { list: 1, index: 1 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    const attacker = await generateKeyPair('ES256');
    const forged = await new SignJWT(vc.credential).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt' }).sign(attacker.privateKey);
    const r = await verifyCredential(verify, forged);
    expect(codes(r)).toEqual(['ISSUER_NOT_REGISTERED']);
    expect(r.checks).toEqual(['format']);
  });
});

describe('issuer', () => {
  it("refuses a credential its school signed that says it is another school's: the enrolment's school, the transcript's grader, the credential id", async () => {
    at('2026-11-22T10:00:00Z');
    const key = { signer: deps.signer, keyRef: other.keyRef, did: other.did, kid: other.kid };
    const built = (kind: KindName, index: number) => buildCredential({ kind: KINDS[kind], subjectInput: issueRequest(kind).credential.credentialSubject as never, school: other, slot: { list: 1, index }, format: 'jwt_vc', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL }).credential as Record<string, any>;
    // As `other` issues them, they verify.
    for (const kind of ['EnrollmentCredential', 'TranscriptCredential'] as const) expect((await verifyCredential(verify, await signVcJwt(built(kind, 7), key))).verified, kind).toBe(true);

    const enrolment = built('EnrollmentCredential', 8);
    const claimingDid = structuredClone(enrolment);
    claimingDid.credentialSubject.school = { ...claimingDid.credentialSubject.school, id: school.did, name: 'Lycée Victor Hugo' };
    const claimingUai = structuredClone(enrolment);
    claimingUai.credentialSubject.school = { ...claimingUai.credentialSubject.school, uai: school.uai };
    const transcript = built('TranscriptCredential', 9);
    transcript.credentialSubject.achievement.creator = { ...transcript.credentialSubject.achievement.creator, id: school.did, name: 'Lycée Victor Hugo' };
    const id = built('DiplomaCredential', 10);
    id.id = (id.id as string).replace(other.uai, school.uai);
    for (const [forged, why] of [[claimingDid, 'school DID'], [claimingUai, 'school UAI'], [transcript, 'grader'], [id, 'credential id']] as const) {
      const r = await verifyCredential(verify, await signVcJwt(forged, key));
      expect(r.verified, why).toBe(false);
      expect(codes(r), why).toEqual(['ISSUER_MISMATCH']);
      // Its issuer is still said, as the one who signed it.
      expect(r.issuer, why).toMatchObject({ did: other.did, uai: other.uai });
    }
  });

  it('fails closed where the claims name a school in a shape attesto never signs, an attesto id however spelt, or an id that is not the jti', async () => {
    at('2026-11-22T10:00:00Z');
    const key = { signer: deps.signer, keyRef: other.keyRef, kid: other.kid };
    /** A VC 1.1 JWT `other` signed, its claims changed by `change`, signed again by `other`. */
    const signed = async (kind: KindName, index: number, change: (claims: Record<string, any>) => void) => {
      const built = buildCredential({ kind: KINDS[kind], subjectInput: issueRequest(kind).credential.credentialSubject as never, school: other, slot: { list: 1, index }, format: 'jwt_vc', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL }).credential;
      const claims = JSON.parse(Buffer.from((await signVcJwt(built, { ...key, did: other.did })).split('.')[1]!, 'base64url').toString()) as Record<string, any>;
      change(claims);
      return signJwt(claims, key, 'JWT');
    };
    const namingSchool = { id: school.did, uai: school.uai, name: 'Lycée Victor Hugo' };
    const cases: [string, Promise<string>, string][] = [
      ["the enrolment's school as a list", signed('EnrollmentCredential', 21, (c) => (c.vc.credentialSubject.school = [namingSchool])), 'ISSUER_MISMATCH'],
      ["the enrolment's school as a string", signed('EnrollmentCredential', 22, (c) => (c.vc.credentialSubject.school = school.did)), 'ISSUER_MISMATCH'],
      ["the transcript's grader as a list", signed('TranscriptCredential', 23, (c) => (c.vc.credentialSubject.achievement.creator = [namingSchool])), 'ISSUER_MISMATCH'],
      ['the id in capitals', signed('DiplomaCredential', 24, (c) => (c.jti = `URN:ATTESTO:${school.uai}:1:24`)), 'ISSUER_MISMATCH'],
      ['the id without its slot', signed('DiplomaCredential', 25, (c) => (c.jti = `urn:attesto:${school.uai}`)), 'ISSUER_MISMATCH'],
      ['a vc.id that is not the jti', signed('DiplomaCredential', 26, (c) => (c.vc.id = `urn:attesto:${school.uai}:1:26`)), 'MALFORMED_CREDENTIAL'],
    ];
    for (const [why, jws, code] of cases) expect(codes(await verifyCredential(verify, await jws)), why).toContain(code);
  });

  it('holds a VC 1.1 JWT to every window it states: 2.0 dates inside it are not ignored', async () => {
    at('2026-11-22T10:00:00Z');
    const claims = JSON.parse(Buffer.from((await issued('DiplomaCredential')).jws.split('.')[1]!, 'base64url').toString()) as Record<string, any>;
    const resigned = (change: (c: Record<string, any>) => void) => {
      const c = structuredClone(claims);
      change(c);
      return signJwt(c, { signer: deps.signer, keyRef: school.keyRef, kid: school.kid }, 'JWT');
    };
    expect(codes(await verifyCredential(verify, await resigned(() => undefined)))).toEqual([]);
    expect(codes(await verifyCredential(verify, await resigned((c) => ((c.vc.validUntil = '2020-01-01T00:00:00Z'), delete c.exp))))).toEqual(['EXPIRED']);
    expect(codes(await verifyCredential(verify, await resigned((c) => ((c.vc.validFrom = '2030-01-01T00:00:00Z'), delete c.nbf))))).toEqual(['NOT_YET_VALID']);
    expect(codes(await verifyCredential(verify, await resigned((c) => (c.vc.expirationDate = '2020-01-01T00:00:00Z'))))).toEqual(['EXPIRED']);
  });

  it('reads a date the claims state as an RFC 3339 date-time with its offset, or not at all (the same verdict on any machine)', async () => {
    at('2026-11-22T10:00:00Z');
    const claims = JSON.parse(Buffer.from((await issued('DiplomaCredential')).jws.split('.')[1]!, 'base64url').toString()) as Record<string, any>;
    const stating = (validUntil: string) => {
      const c = structuredClone(claims);
      c.vc.validUntil = validUntil;
      return signJwt(c, { signer: deps.signer, keyRef: school.keyRef, kid: school.kid }, 'JWT');
    };
    // No offset (local time: 23:59:59 in UTC, 09:59:59 the next day in Tahiti), prose, a 31st of February, a date alone.
    for (const date of ['2027-07-04T23:59:59', 'July 4, 2027', '2027-02-31T00:00:00Z', '2027-07-04', '2027']) {
      const r = await verifyCredential(verify, await stating(date));
      expect(codes(r), date).toEqual(['MALFORMED_CREDENTIAL']);
    }
    expect(codes(await verifyCredential(verify, await stating('2027-07-04T23:59:59+02:00')))).toEqual([]);
  });

  it('refuses a credential of any other issuer as such, resolving nothing and fetching nothing', async () => {
    at('2026-11-22T10:00:00Z');
    const outsider = await generateKeyPair('ES256');
    const jwkDid = `did:jwk:${b64(await exportJWK(outsider.publicKey))}`;
    // Perfect copies of a school's credential, status entries pointing anywhere, signed by an outsider.
    for (const [did, statusBase] of [[jwkDid, PUBLIC_URL], ['did:web:issuer.example', 'https://issuer.example'], ['did:web:127.0.0.1%3A1', 'http://169.254.169.254']] as const) {
      const vc = buildCredential({ kind: KINDS.DiplomaCredential, subjectInput: (await import('../helpers/fixtures')).diplomaSubject, school: { ...school, did }, slot: { list: 1, index: 1 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: statusBase });
      const forged = await new SignJWT(vc.credential).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#0` }).sign(outsider.privateKey);
      const reads: string[] = [];
      const watched = { ...verify, resolveDid: async (d: string) => (reads.push(d), verify.resolveDid(d)), fetchStatusList: async (u: string) => (reads.push(u), verify.fetchStatusList(u)) };
      const r = await verifyCredential(watched, forged);
      expect(r).toMatchObject({ verified: false, checks: ['format'], issuer: { did } });
      expect(codes(r)).toEqual(['ISSUER_NOT_REGISTERED']);
      expect(reads).toEqual([]);
    }
  });
});

describe('status', () => {
  it('fails once revoked, and while suspended', async () => {
    at('2026-11-22T10:00:00Z');
    const a = await issued();
    const b = await issued('TranscriptCredential', 'vc+jwt');
    const set = (credentialId: string, statusPurpose: 'revocation' | 'suspension', status: boolean) =>
      updateStatus(deps, { school, actor: 't', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status }] } });
    await set(a.credentialId, 'revocation', true);
    await set(b.credentialId, 'suspension', true);
    expect(codes(await verifyCredential(verify, a.jws))).toEqual(['REVOKED']);
    expect(codes(await verifyCredential(verify, b.jws))).toEqual(['SUSPENDED']);
    await set(b.credentialId, 'suspension', false);
    expect((await verifyCredential(verify, b.jws)).verified).toBe(true);
  });

  it('fails closed when the list is unreachable, unsigned, or signed by someone else', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued();
    const attacker = await generateKeyPair('ES256');
    const published = (await env.store.getPublishedList(school.uai, 1, 'revocation'))!.jwt;
    const [h, p] = published.split('.');
    const cases: [VerifyDeps['fetchStatusList'], string][] = [
      [async () => { throw new Error('ECONNREFUSED'); }, 'STATUS_UNAVAILABLE'],
      [async () => `${h}.${p}.`, 'STATUS_LIST_INVALID'],
      [async () => new SignJWT(JSON.parse(Buffer.from(p!, 'base64url').toString())).setProtectedHeader({ alg: 'ES256', kid: school.kid }).sign(attacker.privateKey), 'STATUS_LIST_INVALID'],
      [async () => 'not a jwt', 'STATUS_LIST_INVALID'],
    ];
    for (const [fetchStatusList, code] of cases) {
      const r = await verifyCredential({ ...verify, fetchStatusList }, jws);
      expect(r.verified).toBe(false);
      expect(codes(r)).toEqual([code]);
    }
  });

  it("refuses a genuine list of the school served at another list's address, and a list that is not a vc+jwt", async () => {
    at('2026-11-22T10:00:00Z');
    const { jws, credentialId } = await issued();
    await updateStatus(deps, { school, actor: 't', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } });
    expect(codes(await verifyCredential(verify, jws))).toEqual(['REVOKED']);
    const key = { signer: deps.signer, keyRef: school.keyRef, did: school.did, kid: school.kid };
    // What someone able to write the table, not to sign, could do: put the school's list 2 (signed
    // by it, nothing revoked) where its list 1 is read, to un-revoke list 1's credentials.
    const listTwo = async (url: string) => {
      const list = JSON.parse(Buffer.from((await env.store.getPublishedList(school.uai, 1, 'revocation'))!.jwt.split('.')[1]!, 'base64url').toString());
      const other = url.replace(/\/1$/, '/2');
      return signVcJose({ ...list, id: other, credentialSubject: { ...list.credentialSubject, id: `${other}#list`, encodedList: encodeList(newBitstring(131_072)) } }, key);
    };
    const swapped = await verifyCredential({ ...verify, fetchStatusList: listTwo }, jws);
    expect(codes(swapped)).toEqual(['STATUS_LIST_INVALID']);
    expect(swapped.errors[0]!.message).toMatch(/not the list at this address/);
    // The list itself, signed as a plain JWT.
    const plain = async () => signJwt(JSON.parse(Buffer.from((await env.store.getPublishedList(school.uai, 1, 'revocation'))!.jwt.split('.')[1]!, 'base64url').toString()), key, 'JWT');
    expect(codes(await verifyCredential({ ...verify, fetchStatusList: plain }, jws))).toEqual(['STATUS_LIST_INVALID']);
  });

  it("refuses a credential that names another school's genuine lists, where its own bit might be clear", async () => {
    at('2026-11-22T10:00:00Z');
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school, slot: { list: 1, index: 9 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    for (const entry of vc.credential.credentialStatus as Record<string, unknown>[]) {
      entry.statusListCredential = String(entry.statusListCredential).replace(`/schools/${school.uai}/`, `/schools/${other.uai}/`);
    }
    const jws = await signVcJose(vc.credential, { signer: deps.signer, keyRef: school.keyRef, did: school.did, kid: school.kid });
    const r = await verifyCredential(verify, jws);
    expect(r.verified).toBe(false);
    expect(codes(r)).toEqual(['STATUS_LIST_INVALID']);
    // Said by the list's issuer, or by its key, whichever is read first (the list may be cached).
    expect(r.errors[0]!.message).toMatch(/issued by another DID|does not belong to the issuer/);
  });

  it('reads lists as Bitstring Status List v1.0 §3.2 says: one or more purposes, at least 131,072 entries, statusSize 1', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued();
    const key = { signer: deps.signer, keyRef: school.keyRef, did: school.did, kid: school.kid };
    const published = (purpose: string) => env.store.getPublishedList(school.uai, 1, purpose as 'revocation').then((l) => JSON.parse(Buffer.from(l!.jwt.split('.')[1]!, 'base64url').toString()));
    const serving = (change: (list: Record<string, any>) => void) => async (url: string) => {
      const list = await published(url.split('/').at(-2)!);
      change(list);
      return signVcJose(list, key);
    };
    // statusPurpose "MUST be one or more strings": a list for both purposes serves both.
    const both = serving((l) => (l.credentialSubject.statusPurpose = ['revocation', 'suspension']));
    expect(await verifyCredential({ ...verify, fetchStatusList: both }, jws)).toMatchObject({ verified: true });
    // Shorter than the minimum (STATUS_LIST_LENGTH_ERROR in the specification).
    const short = serving((l) => (l.credentialSubject.encodedList = encodeList(newBitstring(8 * 1024))));
    expect(codes(await verifyCredential({ ...verify, fetchStatusList: short }, jws))).toEqual(['STATUS_LIST_INVALID']);
    // An entry whose status takes more than one bit would be misread: refused.
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school, slot: { list: 1, index: 5 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    for (const entry of vc.credential.credentialStatus as Record<string, unknown>[]) entry.statusSize = 2;
    expect(codes(await verifyCredential(verify, await signVcJose(vc.credential, key)))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('refuses a credential whose only status entries have purposes it does not check (revocation unread)', async () => {
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school, slot: { list: 1, index: 3 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    vc.credential.credentialStatus = [{ type: 'BitstringStatusListEntry', statusPurpose: 'message', statusListIndex: '3', statusListCredential: `${PUBLIC_URL}/schools/${school.uai}/status-lists/revocation/1` }];
    const jws = await signVcJose(vc.credential, { signer: deps.signer, keyRef: school.keyRef, did: school.did, kid: school.kid });
    const r = await verifyCredential(verify, jws);
    expect(r.verified).toBe(false);
    expect(codes(r)).toEqual(['STATUS_MISSING']);
  });

  it('refuses a credential without any status entry', async () => {
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school, slot: { list: 1, index: 1 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    delete vc.credential.credentialStatus;
    const jws = await signVcJose(vc.credential, { signer: deps.signer, keyRef: school.keyRef, did: school.did, kid: school.kid });
    expect(codes(await verifyCredential(verify, jws))).toEqual(['STATUS_MISSING']);
  });
});

describe('schema', () => {
  it('refuses a VC 2.0 credential whose registered claims (Open Badges 3.0 puts them beside it) say other than it does, even correctly signed', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued('DiplomaCredential', 'vc+jwt');
    const claims = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: school.did, jti: expect.any(String), nbf: expect.any(Number) });
    const key = { signer: deps.signer, keyRef: school.keyRef, kid: school.kid };
    const resigned = (changed: Record<string, unknown>) => signJwt({ ...claims, ...changed }, key, 'vc+jwt');
    expect((await verifyCredential(verify, await resigned({}))).verified).toBe(true);
    for (const [changed, why] of [
      [{ jti: 'urn:attesto:another' }, 'jti and id disagree'],
      [{ iss: other.did }, 'iss and issuer disagree'],
      [{ nbf: (claims.nbf as number) - 86_400 }, 'nbf and validFrom disagree'],
      [{ exp: (claims.nbf as number) + 60, validUntil: new Date(((claims.nbf as number) + 86_400) * 1000).toISOString() }, 'exp and validUntil disagree'],
      [{ sub: 'did:jwk:a', credentialSubject: { ...(claims.credentialSubject as object), id: 'did:jwk:b' } }, 'sub and credentialSubject.id disagree'],
    ] as const) {
      const r = await verifyCredential(verify, await resigned(changed));
      expect(r.verified, why).toBe(false);
      expect(r.errors, why).toEqual([expect.objectContaining({ code: 'MALFORMED_CREDENTIAL', message: why })]);
    }
  });

  it('fails a correctly signed credential whose subject does not fit its kind', async () => {
    at('2026-11-22T10:00:00Z');
    const vc = buildCredential({ kind: KINDS.EnrollmentCredential, subjectInput: enrollmentSubject, school, slot: { list: 1, index: 2 }, format: 'jwt_vc', issuedAt: '2026-11-22T10:00:00Z', publicUrl: PUBLIC_URL });
    (vc.credential.credentialSubject as Record<string, unknown>).academicYear = 'last year';
    const jws = await signVcJwt(vc.credential, { signer: deps.signer, keyRef: school.keyRef, did: school.did, kid: school.kid });
    expect(codes(await verifyCredential(verify, jws))).toEqual(['SCHEMA_INVALID']);
  });
});

describe('answers never echo a caller\'s long strings back', () => {
  it('cuts a 100,000-character kid short in the error message', async () => {
    at('2026-11-22T10:00:00Z');
    const { jws } = await issued();
    const [, p, sig] = jws.split('.');
    const forged = `${b64({ alg: 'ES256', kid: `${school.did}#${'k'.repeat(100_000)}` })}.${p}.${sig}`;
    const r = await verifyCredential(verify, forged);
    expect(codes(r)).toEqual(['KEY_NOT_AUTHORIZED']);
    expect(JSON.stringify(r).length).toBeLessThan(2_000);
  });
});

describe('malformed input is an answer, not an exception', () => {
  it.each([['abc'], ['a.b.c'], ['eyJhbGciOiJFUzI1NiJ9.e30.AAAA'], [`${b64({ alg: 'ES256' })}.${b64([1, 2])}.AAAA`], [`${b64({ alg: 'ES256' })}.${b64({ vc: { type: ['VerifiableCredential'] } })}.AAAA`], [{ id: 'data:text/plain,hello' }], [42]])('%j', async (input) => {
    const r = await verifyCredential(verify, input);
    expect(r.verified).toBe(false);
    expect(r.errors.length).toBeGreaterThan(0);
  });
});

describe('untrusted values', () => {
  it('that cannot be turned into text, or that contradict each other, are a verdict, never a crash', async () => {
    at('2026-11-22T10:00:00Z');
    const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const vc = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: school.did, credentialSubject: {} };
    for (const [header, payload, code] of [
      [{ alg: { toString: 0 } }, vc, 'UNSUPPORTED_ALGORITHM'],
      [{ alg: 'ES256', typ: { toString: 0 } }, vc, 'MALFORMED_CREDENTIAL'],
      [{ alg: 'ES256' }, { ...vc, type: [{ toString: 0 }] }, 'SIGNATURE_INVALID'],
      // And a VC 1.1 JWT saying two different things about whom it is for.
      [{ alg: 'ES256' }, { iss: school.did, sub: 'did:jwk:a', vc: { type: ['VerifiableCredential'], credentialSubject: { id: 'did:jwk:b' } } }, 'MALFORMED_CREDENTIAL'],
    ] as const) {
      const r = await verifyCredential(verify, `${b64json(header)}.${b64json(payload)}.${Buffer.alloc(64).toString('base64url')}`);
      expect(r.verified).toBe(false);
      expect(codes(r), JSON.stringify(header)).toContain(code);
    }
  });
});

describe('did:key holders', () => {
  const didKeyOf = (jwk: JWK, multicodec = [0x80, 0x24]) => {
    const y = Buffer.from(jwk.y!, 'base64url');
    const compressed = Buffer.concat([Buffer.from([0x02 + (y[31]! & 1)]), Buffer.from(jwk.x!, 'base64url')]);
    return `did:key:z${bytesToBase58(Buffer.concat([Buffer.from(multicodec), compressed]))}`;
  };

  it('resolves a P-256 did:key (a wallet holder) to its key', async () => {
    const holder = await generateKeyPair('ES256');
    const jwk = (await exportJWK(holder.publicKey)) as JWK;
    const did = didKeyOf(jwk);
    const resolved = await verify.resolveDid(did);
    expect(resolved.assertionMethod).toEqual([`${did}#${did.slice('did:key:'.length)}`]);
    expect(resolved.verificationMethods[0]!.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
  });

  it('refuses a did:key of another key type, and one whose point is not on the curve', async () => {
    const jwk = (await exportJWK((await generateKeyPair('ES256')).publicKey)) as JWK;
    for (const did of [didKeyOf(jwk, [0xed, 0x01]), didKeyOf({ ...jwk, x: Buffer.alloc(32, 0xff).toString('base64url') })]) {
      await expect(verify.resolveDid(did), did).rejects.toThrow();
    }
  });
});

describe('did:jwk keys', () => {
  it('only accepts public P-256 keys', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    await expect(verify.resolveDid(`did:jwk:${b64((await exportJWK(privateKey)) as JWK)}`)).rejects.toThrow();
  });
});
