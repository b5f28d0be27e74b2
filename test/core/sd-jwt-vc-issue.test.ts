/**
 * SD-JWT VC issuance (draft-ietf-oauth-sd-jwt-vc) and its Token Status List
 * (draft-ietf-oauth-status-list), checked by sd-jwt-js, an independent implementation.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAttestoError } from '../../lambdas/core/errors';
import type { SchoolRecord } from '../../lambdas/core/records';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import type { UpdateStatusRequest } from '../../lambdas/core/requests';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { diplomaSubject, issueRequest, KINDS, PERSONAL_VALUES, SUBJECTS } from '../helpers/fixtures';
import { KINDS as KIND_DEFS } from '../../lambdas/core/kinds';
import { decodeList, getBit } from '../../lambdas/core/status/bitstring';
import { startStore } from '../helpers/store';
import { walletKey } from '../helpers/wallet';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let school: SchoolRecord;

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0440001'));
});
afterAll(() => env.close());

const issue = async (kind: (typeof KINDS)[number] = 'DiplomaCredential', subject = SUBJECTS[kind]) =>
  issueCredential(deps, { school, actor: 'school:test', request: issueRequest(kind, 'dc+sd-jwt', subject) });

/** sd-jwt-js's verifier, given the school's key and the published Token Status List. */
function independentVerifier() {
  const key = createPublicKey({ key: school.publicJwk as JWK, format: 'jwk' });
  return new SDJwtVcInstance({
    hasher: (data: string | ArrayBuffer) => createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data)).digest(),
    verifier: (data: string, sig: string) => verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')),
    statusListFetcher: async (uri: string) => {
      const m = /\/status-lists\/token\/(\d+)$/.exec(uri);
      return (await env.store.getPublishedList(school.uai, Number(m![1]), 'token'))!.jwt;
    },
  });
}

const issuerJwt = (sdjwt: string) => sdjwt.split('~')[0]!;

describe('an SD-JWT VC (dc+sd-jwt)', () => {
  it('is an SD-JWT with typ dc+sd-jwt, signed by the school key, ending with "~" (RFC 9901 §4)', async () => {
    const r = await issue();
    const sdjwt = r.verifiableCredential as string;
    expect(r.format).toBe('dc+sd-jwt');
    expect(sdjwt.endsWith('~')).toBe(true);
    expect(decodeProtectedHeader(issuerJwt(sdjwt))).toEqual({ typ: 'dc+sd-jwt', kid: school.kid, alg: 'ES256' });
    await compactVerify(issuerJwt(sdjwt), await importJWK(school.publicJwk, 'ES256'));
  });

  it.each(KINDS)('%s: sd-jwt-js verifies it and rebuilds every claim of the W3C form, status VALID', async (kind) => {
    const r = await issue(kind);
    const { payload } = await independentVerifier().verify(r.verifiableCredential as string);
    const { iss, iat, nbf, exp: _exp, vct, status, _sd_alg: _alg, ...claims } = payload as Record<string, unknown>;
    expect({ iss, iat, nbf, vct, status }).toEqual({
      iss: `${PUBLIC_URL}/schools/${school.uai}`,
      iat: Math.floor(deps.now.value.getTime() / 1000),
      nbf: Math.floor(deps.now.value.getTime() / 1000),
      vct: `${PUBLIC_URL}/vct/${KIND_DEFS[kind].slug}`,
      status: { status_list: { idx: parseCredentialId(r.credentialId)!.slot.index, uri: `${PUBLIC_URL}/schools/${school.uai}/status-lists/token/1` } },
    });
    // The same claims as the W3C credential of the same request: its subject (without id, type
    // and Open Badges' recipient identifier: the holder is cnf, the name a disclosure of student)
    // and its top-level extras, the credential's name as `title`.
    const enveloped = (await issueCredential(deps, { school, actor: 't', request: issueRequest(kind, 'vc+jwt') })).verifiableCredential as { id: string };
    const w3c = decodeJwt(enveloped.id.replace('data:application/vc+jwt,', ''));
    const { id: _id, type: _type, identifier: _identifier, ...subject } = w3c.credentialSubject as Record<string, unknown>;
    const extras = Object.fromEntries(['name', 'awardedDate'].filter((k) => w3c[k] !== undefined).map((k) => [k === 'name' ? 'title' : k, w3c[k]]));
    expect(claims).toEqual({ ...extras, ...subject });
  });

  it('shows nothing personal in the issuer-signed JWT: every student fact is a disclosure', async () => {
    const r = await issue('TranscriptCredential');
    const visible = JSON.stringify(decodeJwt(issuerJwt(r.verifiableCredential as string)));
    for (const value of PERSONAL_VALUES) expect(visible).not.toContain(value);
    // And iss, nbf, cnf, vct, status stay visible (SD-JWT VC §2.2.2.2).
    expect(Object.keys(decodeJwt(issuerJwt(r.verifiableCredential as string)))).toEqual(expect.arrayContaining(['iss', 'iat', 'nbf', 'vct', 'status', '_sd', '_sd_alg']));
  });

  it('hides how many claims there are: 12 digests at the top, 4 in student, whatever the kind and its optional facts', async () => {
    const { honours: _h, specialty: _s, ...plain } = diplomaSubject;
    const { studentId: _i, ...noIne } = diplomaSubject.student;
    const subjects: [(typeof KINDS)[number], Record<string, unknown>][] = [...KINDS.map((k) => [k, SUBJECTS[k]] as [(typeof KINDS)[number], Record<string, unknown>]), ['DiplomaCredential', { ...plain, student: noIne }]];
    for (const [kind, subject] of subjects) {
      const claims = decodeJwt(issuerJwt((await issue(kind, subject)).verifiableCredential as string)) as { _sd: string[]; student?: unknown };
      expect(claims._sd, kind).toHaveLength(12);
      expect(claims.student, 'student is itself a disclosure').toBeUndefined();
    }
    const sdjwt = (await issue('DiplomaCredential', { ...plain, student: noIne })).verifiableCredential as string;
    const studentDisclosure = sdjwt.split('~').slice(1, -1).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[]).find((d) => d[1] === 'student')!;
    expect((studentDisclosure[2] as { _sd: string[] })._sd).toHaveLength(4);
  });

  it('lets the holder show the diploma and their name without their birth date', async () => {
    const r = await issue();
    const v = independentVerifier();
    const presented = await v.present(r.verifiableCredential as string, { achievement: true, student: { givenName: true, familyName: true } } as never);
    const { payload } = await v.verify(presented);
    expect(payload.student).toEqual({ givenName: diplomaSubject.student.givenName, familyName: diplomaSubject.student.familyName });
    expect((payload.achievement as { name: string }).name).toBe(diplomaSubject.title);
    expect(JSON.stringify(payload)).not.toContain(diplomaSubject.student.birthDate);
  });

  it("binds to the holder's wallet key (cnf.jwk) when credentialSubject.id is a did:jwk", async () => {
    const holder = await walletKey();
    const r = await issue('DiplomaCredential', { ...diplomaSubject, id: holder.did });
    expect(decodeJwt(issuerJwt(r.verifiableCredential as string)).cnf).toEqual({ jwk: holder.publicJwk });
  });

  it('refuses a holder that is not a P-256 key (did:web, an Ed25519 did:jwk, junk in a did:jwk): nothing is stored', async () => {
    const didJwk = (jwk: unknown) => `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
    const holders = [
      'did:web:example.org',
      didJwk({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }),
      didJwk({ hello: 'world', name: 'Zéphyrine Quasimodo' }),
      didJwk({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }),
    ];
    const before = await env.scanAll();
    for (const id of holders) {
      const e = await issue('DiplomaCredential', { ...diplomaSubject, id }).catch((x: unknown) => x);
      expect(isAttestoError(e) && e.code, id).toBe('VALIDATION_FAILED');
    }
    expect((await env.scanAll()).length).toBe(before.length);
  });

  it('puts only the public point of the holder key in cnf, whatever else its did:jwk carries', async () => {
    const holder = await walletKey();
    const id = `did:jwk:${Buffer.from(JSON.stringify({ ...holder.publicJwk, use: 'sig', note: 'Zéphyrine' })).toString('base64url')}`;
    const r = await issue('DiplomaCredential', { ...diplomaSubject, id });
    expect(decodeJwt(issuerJwt(r.verifiableCredential as string)).cnf).toStrictEqual({ jwk: holder.publicJwk });
  });
});

describe('the Token Status List (draft-ietf-oauth-status-list)', () => {
  const change = (credentialId: string, statusPurpose: 'revocation' | 'suspension', status: boolean) =>
    updateStatus(deps, { school, actor: 'school:test', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status }] } as UpdateStatusRequest });
  const tokenList = async () => (await env.store.getPublishedList(school.uai, 1, 'token'))!.jwt;
  const statusOf = async (credentialId: string) => getListFromStatusListJWT(await tokenList()).getStatus(parseCredentialId(credentialId)!.slot.index);

  it('is a statuslist+jwt whose sub is its own URL, signed by the school, two bits per credential', async () => {
    await issue();
    const jwt = await tokenList();
    expect(decodeProtectedHeader(jwt)).toMatchObject({ typ: 'statuslist+jwt', alg: 'ES256', kid: school.kid });
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ sub: `${PUBLIC_URL}/schools/${school.uai}/status-lists/token/1`, ttl: 60, status_list: { bits: 2 } });
    expect(claims.exp).toBeUndefined();
    await compactVerify(jwt, await importJWK(school.publicJwk, 'ES256'));
  });

  it('says VALID, then SUSPENDED, VALID again, and INVALID once revoked, for the slot of the credential', async () => {
    const r = await issue();
    expect(await statusOf(r.credentialId)).toBe(0);
    await change(r.credentialId, 'suspension', true);
    expect(await statusOf(r.credentialId)).toBe(2);
    await change(r.credentialId, 'suspension', false);
    expect(await statusOf(r.credentialId)).toBe(0);
    await change(r.credentialId, 'revocation', true);
    expect(await statusOf(r.credentialId)).toBe(1);
    await expect(independentVerifier().verify(r.verifiableCredential as string)).rejects.toThrow(/Status is not valid/);
  });

  it.each(['jwt_vc', 'vc+jwt', 'dc+sd-jwt'] as const)('marks the same slot as the Bitstring Status Lists for a %s credential, both purposes', async (format) => {
    const suspended = await issueCredential(deps, { school, actor: 'school:test', request: issueRequest('EnrollmentCredential', format) });
    const revoked = await issueCredential(deps, { school, actor: 'school:test', request: issueRequest('EnrollmentCredential', format) });
    await change(suspended.credentialId, 'suspension', true);
    await change(revoked.credentialId, 'revocation', true);
    expect(await statusOf(suspended.credentialId)).toBe(2);
    expect(await statusOf(revoked.credentialId)).toBe(1);
    const bits = async (purpose: 'revocation' | 'suspension') => {
      const subject = decodeJwt((await env.store.getPublishedList(school.uai, 1, purpose))!.jwt).credentialSubject as { encodedList: string };
      return decodeList(subject.encodedList, 1 << 20);
    };
    const index = (id: string) => parseCredentialId(id)!.slot.index;
    expect(getBit(await bits('suspension'), index(suspended.credentialId))).toBe(true);
    expect(getBit(await bits('revocation'), index(revoked.credentialId))).toBe(true);
    expect(getBit(await bits('revocation'), index(suspended.credentialId))).toBe(false);
  });
});
