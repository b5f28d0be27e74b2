import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestoError } from '../../lambdas/core/errors';
import { issueCredential, reservationKey, type IssueResult } from '../../lambdas/core/use-cases/issue-credential';
import { registerSchool } from '../../lambdas/core/use-cases/register-school';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import { coreDeps, schoolWithToken, uai } from '../helpers/core';
import { issueRequest, NOW, SUBJECTS } from '../helpers/fixtures';
import { isoSeconds } from '../../lambdas/core/credential/build';
import { auditDown, startStore } from '../helpers/store';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/adapters/dynamo/table';
import { IDEMPOTENCY_WINDOW_SECONDS, PUBLISHED_LISTS } from '../../lambdas/core/records';
import { publishStatusLists } from '../../lambdas/core/status/publish';
import type { IssueRequest } from '../../lambdas/core/requests';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0751234'));
});
afterAll(() => env.close());

const issue = (request = issueRequest(), idempotencyKey?: string) =>
  issueCredential(deps, { school, actor: 'school:test', request, ...(idempotencyKey ? { idempotencyKey } : {}) });

/** Each request is refused as VALIDATION_FAILED (400) naming its field, and nothing is stored. */
async function expectRefusedNamingTheField(cases: [IssueRequest, string][]) {
  const before = (await env.scanAll()).length;
  for (const [request, pointer] of cases) {
    const error = await issue(request).catch((e) => e);
    expect(error, pointer).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(error.errors[0].pointer).toBe(pointer);
  }
  expect((await env.scanAll()).length).toBe(before);
}

/** The signer, throttled (as KMS is) for its first call. */
function throttledOnce() {
  let failures = 1;
  return {
    sign: async (keyRef: string, data: Uint8Array) => {
      if (failures-- > 0) throw new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 });
      return deps.signer.sign(keyRef, data);
    },
  };
}

const issued = (r: { verifiableCredential: unknown }) => (typeof r.verifiableCredential === 'string' ? r.verifiableCredential : (r.verifiableCredential as { id: string }).id);

describe('issuing', () => {
  it('signs a VC 1.1 JWT with the school DID as issuer and its key as kid', async () => {
    const r = await issue();
    expect(typeof r.verifiableCredential).toBe('string');
    const header = decodeProtectedHeader(r.verifiableCredential as string);
    const claims = decodeJwt(r.verifiableCredential as string);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: school.kid });
    expect(claims.iss).toBe(school.did);
    expect(claims.jti).toBe(r.credentialId);
    expect(claims.nbf).toBe(Date.parse('2026-11-22T10:00:00Z') / 1000);
  });

  it('puts the whole credential in the VC 1.1 JWT\'s vc claim, beside only the registered claims, so a decoder following §6.3.1 rebuilds all of it', async () => {
    const holder = 'did:jwk:eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6ImEiLCJ5IjoiYiJ9';
    const request = issueRequest('DiplomaCredential', 'jwt_vc', { ...SUBJECTS.DiplomaCredential, id: holder });
    const r = await issue(request);
    const claims = decodeJwt(r.verifiableCredential as string);
    expect(Object.keys(claims).sort()).toEqual(['iss', 'jti', 'nbf', 'sub', 'vc']);
    expect(claims.sub).toBe(holder);
    const vc = claims.vc as Record<string, any>;
    expect(vc).toMatchObject({ name: 'Baccalauréat général', awardedDate: expect.any(String), issuer: { id: school.did, name: school.name } });
    expect(vc.credentialSubject).not.toHaveProperty('id');
    // Decoded as §6.3.1 says (the vc claim, then jti, iss, nbf and sub in their places), it is the whole credential.
    const decoded = { ...vc, id: claims.jti, issuer: { ...vc.issuer, id: claims.iss }, issuanceDate: new Date(claims.nbf! * 1000).toISOString().replace('.000', ''), credentialSubject: { ...vc.credentialSubject, id: claims.sub } };
    expect(Object.keys(decoded).sort()).toEqual(['@context', 'awardedDate', 'credentialSchema', 'credentialStatus', 'credentialSubject', 'id', 'issuanceDate', 'issuer', 'name', 'type']);
    expect(decoded.credentialSubject).toMatchObject({ id: holder, achievement: { name: 'Baccalauréat général' } });
  });

  it('returns a VC 2.0 vc+jwt inside a VC-API EnvelopedVerifiableCredential', async () => {
    const r = await issue(issueRequest('DiplomaCredential', 'vc+jwt'));
    const env = r.verifiableCredential as { id: string; type: string };
    expect(env.type).toBe('EnvelopedVerifiableCredential');
    const jws = env.id.replace('data:application/vc+jwt,', '');
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'ES256', typ: 'vc+jwt', cty: 'vc' });
    const vc = decodeJwt(jws);
    expect(vc).toMatchObject({ id: r.credentialId, issuer: { id: school.did }, type: ['VerifiableCredential', 'AchievementCredential', 'DiplomaCredential'] });
  });

  it.each(['TranscriptCredential', 'DiplomaCredential'] as const)('issues a %s as VC 2.0 with what Open Badges 3.0 requires of an AchievementCredential', async (kind) => {
    const vc = decodeJwt((issued(await issue(issueRequest(kind, 'vc+jwt'))) as string).replace('data:application/vc+jwt,', ''));
    // VC 2.0 first, OB 3.0 second (OB 3.0 B.1.2); last, the context for terms no other defines (VCDM 2.0 §5.2).
    expect(vc['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://www.w3.org/ns/credentials/undefined-terms/v2']);
    expect(vc).toMatchObject({ type: expect.arrayContaining(['VerifiableCredential', 'AchievementCredential']), name: expect.any(String), validFrom: expect.any(String), issuer: { id: school.did, type: ['Profile'], name: school.name } });
    const subject = vc.credentialSubject as Record<string, any>;
    expect(subject.type).toContain('AchievementSubject');
    // "Either id or at least one identifier MUST be supplied" (B.1.3): issued without a holder DID, it names the student (B.1.12).
    expect(subject.id).toBeUndefined();
    expect(subject.identifier).toEqual([{ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: 'Zéphyrine Quasimodo-Vertbois' }]);
    // Achievement: id, type, name, description and criteria are required (https://www.imsglobal.org/spec/ob/v3p0/#achievement).
    expect(subject.achievement).toMatchObject({ id: expect.any(String), type: ['Achievement'], name: expect.any(String), description: expect.any(String), criteria: { narrative: expect.any(String) } });
    expect(subject.achievement.description.length).toBeGreaterThan(20);
    // OB 3.0's activity dates are DateTimes with their zone (DateTimeZ), not dates.
    for (const field of ['activityStartDate', 'activityEndDate'].filter((f) => f in subject)) expect(subject[field], field).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect('activityEndDate' in subject).toBe(true);
  });

  it.each(['TranscriptCredential', 'DiplomaCredential'] as const)('secures a VC 2.0 %s as Open Badges 3.0 asks of a JWT (§8.2): iss, jti, nbf and sub beside the credential, saying what it says; an independent verifier checks them', async (kind) => {
    const holder = 'did:jwk:eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6IjRqVjN4dWtzUWtPd2RJNk9QSUdXYXlsR1RHNTlpS0Q2U0dLRlBUbU5sYk0iLCJ5IjoiRjRWWGJhT0dNNkFUZk9XNlNhcnJvZGdlV1RzcTNsa2NRc2N5dkJFcFM4YyJ9';
    const request = issueRequest(kind, 'vc+jwt');
    const r = await issue({ ...request, credential: { ...request.credential, credentialSubject: { ...request.credential.credentialSubject, id: holder } } } as IssueRequest);
    const jws = (issued(r) as string).replace('data:application/vc+jwt,', '');
    const claims = decodeJwt(jws);
    expect(claims).toMatchObject({ iss: school.did, jti: r.credentialId, sub: holder, nbf: Math.floor(Date.parse(String(claims.validFrom)) / 1000) });
    expect((claims.credentialSubject as { id: string }).id).toBe(holder);
    // jose checks iss, nbf (and exp) as a JWT library does; the signature with the school's key.
    const verified = await jwtVerify(jws, await importJWK(school.publicJwk, 'ES256'), { issuer: school.did, subject: holder, currentDate: new Date(NOW.getTime() + 60_000), typ: 'vc+jwt' });
    expect(verified.payload.jti).toBe(r.credentialId);
  });

  it('adds no registered claims to a VC 2.0 enrolment attestation, which is not an Open Badge (VC-JOSE-COSE calls nbf NOT RECOMMENDED)', async () => {
    const claims = decodeJwt((issued(await issue(issueRequest('EnrollmentCredential', 'vc+jwt'))) as string).replace('data:application/vc+jwt,', ''));
    for (const claim of ['iss', 'jti', 'sub', 'nbf', 'exp']) expect(claims, claim).not.toHaveProperty(claim);
    // Its terms (student, academicYear…) are attesto's own: the undefined-terms context comes last (VCDM 2.0 §5.2).
    expect(claims['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/undefined-terms/v2']);
  });

  it("writes a school's dates as days of its own time zone: a period ending 31 January ends then in Paris, not on 1 February", async () => {
    const t = issueRequest('TranscriptCredential', 'vc+jwt');
    const d = issueRequest('DiplomaCredential', 'vc+jwt');
    const e = issueRequest('EnrollmentCredential');
    const subjectOf = (r: IssueResult) => decodeJwt((r.verifiableCredential as { id: string }).id.replace('data:application/vc+jwt,', ''));
    // A school registered without a zone: Europe/Paris (winter +01:00, summer +02:00).
    const transcript = subjectOf(await issue(t));
    expect(transcript.credentialSubject).toMatchObject({ activityStartDate: '2026-09-01T00:00:00+02:00', activityEndDate: '2027-01-31T23:59:59+01:00' });
    expect(transcript.awardedDate).toBe('2027-01-31T23:59:59+01:00');
    expect(subjectOf(await issue(d)).awardedDate).toBe('2026-07-04T00:00:00+02:00');
    // An enrolment is valid until the end of its last day there.
    expect(decodeJwt((await issue(e)).verifiableCredential as string).exp).toBe(Date.parse('2027-07-04T23:59:59+02:00') / 1000);
    // A school in Guadeloupe, registered with its zone.
    const registered = await registerSchool(deps, { uai: uai('9710001'), name: 'Lycée Baimbridge', actor: 'operator:test', timeZone: 'America/Guadeloupe' });
    expect(registered.timeZone).toBe('America/Guadeloupe');
    const antilles = (await env.store.getSchool(registered.uai))!;
    const there = await issueCredential(deps, { school: antilles, actor: 't', request: t });
    expect(subjectOf(there).credentialSubject).toMatchObject({ activityStartDate: '2026-09-01T00:00:00-04:00', activityEndDate: '2027-01-31T23:59:59-04:00' });
  });

  it('refuses a time zone it does not know at registration, before any key is made', async () => {
    for (const timeZone of ['Paris', 'Mars/Olympus_Mons', '+01:00', '../etc/passwd', 'x'.repeat(65)]) {
      await expect(registerSchool(deps, { uai: uai('9710002'), name: 'Lycée', actor: 'operator:test', timeZone }), timeZone).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/timeZone' }] });
    }
    // Written as the time zone database writes it.
    expect((await registerSchool(deps, { uai: uai('9710003'), name: 'Lycée', actor: 'operator:test', timeZone: 'pacific/noumea' })).timeZone).toBe('Pacific/Noumea');
  });

  it('gives every credential a revocation and a suspension entry at one random slot of the current list', async () => {
    const r = await issue();
    const vc = decodeJwt(r.verifiableCredential as string).vc as { credentialStatus: Record<string, string>[] };
    const { slot } = parseCredentialId(r.credentialId)!;
    expect(vc.credentialStatus.map((s) => s.statusPurpose)).toEqual(['revocation', 'suspension']);
    for (const s of vc.credentialStatus) {
      expect(s).toMatchObject({ type: 'BitstringStatusListEntry', statusListIndex: String(slot.index) });
      expect(s.statusListCredential).toBe(`https://attesto.test/schools/${school.uai}/status-lists/${s.statusPurpose}/1`);
    }
  });

  it('refuses a credentialSubject that does not match its kind, naming the field', async () => {
    const bad = issueRequest('DiplomaCredential', 'jwt_vc', { student: { givenName: 'A', familyName: 'B', birthDate: '2000-01-01' }, title: 'X', level: { eqf: 9 }, awardDate: '2026-01-01', awardingBody: { name: 'Y' } });
    const error = await issue(bad).catch((e) => e);
    expect(error).toBeInstanceOf(AttestoError);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors[0].pointer).toBe('/credential/credentialSubject/level/eqf');
  });

  it('refuses a transcript whose subjects a verifier could confuse, or whose grades are off their scale, naming the field', async () => {
    const t = issueRequest('TranscriptCredential');
    const subject = t.credential.credentialSubject as unknown as { subjects: Record<string, unknown>[]; scale?: unknown; overall?: Record<string, unknown> };
    const withSubjects = (subjects: Record<string, unknown>[], more: Record<string, unknown> = {}) => ({ ...t, credential: { ...t.credential, credentialSubject: { ...subject, subjects, ...more } } }) as IssueRequest;
    const cases: [IssueRequest, string][] = [
      [withSubjects([{ code: 'MAT', name: 'Maths', grade: 12 }, { code: 'MAT', name: 'Français', grade: 15 }]), '/credential/credentialSubject/subjects/1/code'],
      [withSubjects([{ name: 'Maths', grade: 25 }]), '/credential/credentialSubject/subjects/0/grade'],
      [withSubjects([{ name: 'Maths', grade: -3 }]), '/credential/credentialSubject/subjects/0/grade'],
      [withSubjects([{ name: 'Anglais', grade: 50, scale: { min: 100, max: 0 } }]), '/credential/credentialSubject/subjects/0/scale'],
      [withSubjects([{ name: 'Maths', grade: 12 }], { scale: { min: 20, max: 0 } }), '/credential/credentialSubject/scale'],
      [withSubjects([{ name: 'Maths', grade: 12 }], { overall: { average: 99 } }), '/credential/credentialSubject/overall/average'],
    ];
    await expectRefusedNamingTheField(cases);
    // A subject coded "2" and the second subject without a code each keep their own description.
    const both = withSubjects([{ code: '2', name: 'Maths', grade: 12 }, { name: 'Français', grade: 15 }]);
    const r = await issue({ ...both, options: { format: 'vc+jwt' } } as IssueRequest);
    const vc = decodeJwt((issued(r) as string).replace('data:application/vc+jwt,', '')) as { credentialSubject: { achievement: { resultDescription: { id: string; name: string }[] }; result: { resultDescription: string; value: string }[] } };
    const descriptions = vc.credentialSubject.achievement.resultDescription;
    expect(new Set(descriptions.map((d) => d.id)).size).toBe(descriptions.length);
    // Each grade leads to its own subject.
    const nameOf = (id: string) => descriptions.find((d) => d.id === id)!.name;
    expect(vc.credentialSubject.result.map((x) => [nameOf(x.resultDescription), x.value])).toEqual(expect.arrayContaining([['Maths', '12'], ['Français', '15']]));
  });

  it('refuses text a wallet could show other than it was signed: control, bidirectional formatting, invisible and lone surrogate characters, and blank text', async () => {
    const e = issueRequest('EnrollmentCredential');
    const s = e.credential.credentialSubject as unknown as { student: Record<string, unknown> };
    const named = (familyName: string) => ({ ...e, credential: { ...e.credential, credentialSubject: { ...s, student: { ...s.student, familyName } } } }) as IssueRequest;
    const t = issueRequest('TranscriptCredential');
    const ts = t.credential.credentialSubject as unknown as { subjects: Record<string, unknown>[] };
    await expectRefusedNamingTheField([
      [named('Martin\u202Enif'), '/credential/credentialSubject/student/familyName'], // shown as "Martinfin"
      [named('Mar\u0000tin'), '/credential/credentialSubject/student/familyName'],
      [named('Martin\uD800'), '/credential/credentialSubject/student/familyName'],
      // Two names that look the same but differ: a zero width space, a word joiner, a Hangul filler, tag characters.
      [named('Mar\u200Btin'), '/credential/credentialSubject/student/familyName'],
      [named('Mar\u2060tin'), '/credential/credentialSubject/student/familyName'],
      [named('Martin\u3164'), '/credential/credentialSubject/student/familyName'],
      [named('Martin\u{E0041}'), '/credential/credentialSubject/student/familyName'],
      [named('Martin\uFFF9note\uFFFB'), '/credential/credentialSubject/student/familyName'],
      [named('   '), '/credential/credentialSubject/student/familyName'],
      [{ ...t, credential: { ...t.credential, credentialSubject: { ...ts, subjects: [ts.subjects[0], { ...ts.subjects[1], name: 'Logique\u2066' }] } } } as IssueRequest, '/credential/credentialSubject/subjects/1/name'],
    ]);
    // Letters of any script, accents (composed or not), and emoji are names' business.
    for (const familyName of ['Nguyễn', 'Müller-Lüdenscheidt', 'Le\u0301vy', 'بن علي', 'Zoé 😀', 'فرهاد\u200Cزاده']) expect((await issue(named(familyName))).credentialId).toMatch(/^urn:attesto:/);
  });

  it('signs names as NFC text, however they were typed: the same request, whichever way its accents came, is one credential', async () => {
    const e = issueRequest('EnrollmentCredential');
    const s = e.credential.credentialSubject as unknown as { student: Record<string, unknown> };
    const named = (givenName: string, familyName: string) => ({ ...e, credential: { ...e.credential, credentialSubject: { ...s, student: { ...s.student, givenName, familyName } } } }) as IssueRequest;
    // "Élodie Lévy" with its accents as combining characters (NFD), as some systems send them.
    const decomposed = named('E\u0301lodie', 'Le\u0301vy');
    const first = await issue(decomposed, 'nfc-names-0001');
    const subject = (decodeJwt(first.verifiableCredential as string).vc as { credentialSubject: { student: { givenName: string; familyName: string } } }).credentialSubject.student;
    expect([subject.givenName, subject.familyName]).toEqual(['\u00C9lodie', 'L\u00E9vy']);
    // Sent again with the composed characters (NFC): the same request, replayed.
    const again = await issue(named('\u00C9lodie', 'L\u00E9vy'), 'nfc-names-0001');
    expect(again).toMatchObject({ credentialId: first.credentialId, replayed: true });
  });

  it('refuses dates that cannot be right, typing errors a signed credential could never correct, naming the field', async () => {
    const enrollment = issueRequest('EnrollmentCredential');
    const transcript = issueRequest('TranscriptCredential');
    const diploma = issueRequest('DiplomaCredential');
    type Subject = Record<string, unknown> & { student: Record<string, unknown> };
    const withSubject = (r: IssueRequest, change: (s: Subject) => Subject) => ({ ...r, credential: { ...r.credential, credentialSubject: change(r.credential.credentialSubject as unknown as Subject) } }) as IssueRequest;
    const born = (r: IssueRequest, birthDate: string) => withSubject(r, (s) => ({ ...s, student: { ...s.student, birthDate } }));
    await expectRefusedNamingTheField([
      // An academic year is two consecutive years, and its periods fall within them.
      [withSubject(enrollment, (s) => ({ ...s, academicYear: '2026-2028' })), '/credential/credentialSubject/academicYear'],
      [withSubject(enrollment, (s) => ({ ...s, academicYear: '2026-2025' })), '/credential/credentialSubject/academicYear'],
      [withSubject(enrollment, (s) => ({ ...s, endDate: '2072-07-04' })), '/credential/credentialSubject/endDate'],
      [withSubject(enrollment, (s) => ({ ...s, startDate: '2025-09-01' })), '/credential/credentialSubject/startDate'],
      // An enrolment attestation lasts as long as its enrolment: not a year past its academic year.
      [withSubject(enrollment, (s) => ({ ...s, endDate: '2028-07-04' })), '/credential/credentialSubject/endDate'],
      [withSubject(transcript, (s) => ({ ...s, period: { ...(s.period as object), startDate: '2024-09-01', endDate: '2025-01-31' } })), '/credential/credentialSubject/period/startDate'],
      [withSubject(transcript, (s) => ({ ...s, period: { ...(s.period as object), startDate: '2062-09-01', endDate: '2062-12-31' } })), '/credential/credentialSubject/period/startDate'],
      // A transcript is of a period begun (2062 typed for 2026 in both fields), and no period is before its student was born.
      [withSubject(transcript, (s) => ({ ...s, academicYear: '2062-2063', period: { ...(s.period as object), startDate: '2062-09-01', endDate: '2063-01-31' } })), '/credential/credentialSubject/period/startDate'],
      [withSubject(transcript, (s) => ({ ...s, academicYear: '0050-0051', period: { ...(s.period as object), startDate: '0050-09-01', endDate: '0051-01-31' } })), '/credential/credentialSubject/period/startDate'],
      [withSubject(enrollment, (s) => ({ ...s, academicYear: '1990-1991', startDate: '1990-09-01', endDate: '1991-07-04' })), '/credential/credentialSubject/startDate'],
      // Born in the future, or 1907 typed for 2007 (the clock says 2026-11-22).
      [born(enrollment, '2026-12-01'), '/credential/credentialSubject/student/birthDate'],
      [born(diploma, '1905-11-23'), '/credential/credentialSubject/student/birthDate'],
      // A diploma is attested once awarded, and after its holder was born.
      [withSubject(diploma, (s) => ({ ...s, awardDate: '2027-07-04' })), '/credential/credentialSubject/awardDate'],
      [withSubject(diploma, (s) => ({ ...s, awardDate: '2006-07-04' })), '/credential/credentialSubject/awardDate'],
    ]);
    // A calendar school year (New Caledonia, Wallis-et-Futuna), and a transcript of a two-year cycle.
    expect((await issue(withSubject(enrollment, (s) => ({ ...s, academicYear: '2027-2027', startDate: '2027-02-15', endDate: '2027-12-15' })))).credentialId).toMatch(/^urn:attesto:/);
    expect((await issue(withSubject(transcript, (s) => ({ ...s, academicYear: '2025-2026', period: { label: 'Cycle terminal', startDate: '2024-09-02', endDate: '2026-07-04' } })))).credentialId).toMatch(/^urn:attesto:/);
    // "Today" where the school is: 2026-11-23 already in Nouméa (UTC+11) and Kiritimati (UTC+14) at 10:00 UTC on the 22nd.
    expect((await issue(withSubject(diploma, (s) => ({ ...s, awardDate: '2026-11-23' })))).credentialId).toMatch(/^urn:attesto:/);
    expect((await issue(born(enrollment, '1907-01-01'))).credentialId).toMatch(/^urn:attesto:/);
  });

  it('refuses validity a credential could not carry or that could never verify, naming the field (400, nothing stored)', async () => {
    const enrollment = issueRequest('EnrollmentCredential');
    const diploma = issueRequest('DiplomaCredential');
    const cases: [IssueRequest, string][] = [
      // RFC 3339 allows a leap second; a JavaScript Date cannot hold one.
      [{ ...diploma, credential: { ...diploma.credential, validFrom: '2026-12-31T23:59:60Z' } }, '/credential/validFrom'],
      [{ ...diploma, credential: { ...diploma.credential, validUntil: '2027-06-30T23:59:60Z' } }, '/credential/validUntil'],
      [{ ...diploma, credential: { ...diploma.credential, validFrom: '2027-01-02T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' } }, '/credential/validUntil'],
      // Already over when issued (the clock says 2026-11-22).
      [{ ...diploma, credential: { ...diploma.credential, validUntil: '2026-11-01T00:00:00Z' } }, '/credential/validUntil'],
      // An enrolment ends with its endDate unless validUntil says otherwise.
      [{ ...enrollment, credential: { ...enrollment.credential, credentialSubject: { ...enrollment.credential.credentialSubject, startDate: '2024-09-02', endDate: '2025-07-04', academicYear: '2024-2025' } } }, '/credential/credentialSubject/endDate'],
      [{ ...enrollment, credential: { ...enrollment.credential, validFrom: '2027-09-01T00:00:00Z' } }, '/credential/credentialSubject/endDate'],
      // Dates a JWT library cannot write (did-jwt-vc stops at 10^11 seconds, in the year 5138): before 3000.
      [{ ...diploma, credential: { ...diploma.credential, validUntil: '9999-12-31T23:59:59Z' } }, '/credential/validUntil'],
      [{ ...diploma, credential: { ...diploma.credential, validFrom: '6000-01-01T00:00:00Z', validUntil: '6001-01-01T00:00:00Z' } }, '/credential/validFrom'],
      [{ ...enrollment, credential: { ...enrollment.credential, credentialSubject: { ...enrollment.credential.credentialSubject, endDate: '9999-12-31' } } }, '/credential/credentialSubject/endDate'],
    ];
    await expectRefusedNamingTheField(cases);
    // Said as it is: in the past (not "after validFrom", which was not sent).
    expect(await issue({ ...diploma, credential: { ...diploma.credential, validUntil: '2026-11-01T00:00:00Z' } }).catch((e) => e.message)).toBe('validUntil is in the past: the credential would be expired when issued');
    // Within the same second as the issuance: a credential carries whole seconds, so it would end as it starts.
    const t0 = deps.now.value;
    try {
      deps.now.value = new Date('2026-11-22T10:00:00.200Z');
      const error = await issue({ ...diploma, credential: { ...diploma.credential, validUntil: '2026-11-22T10:00:00.500Z' } }).catch((e) => e);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      deps.now.value = t0;
    }
    // A past school year can still be attested, with an explicit validUntil.
    const pastYear = { ...enrollment, credential: { ...enrollment.credential, validUntil: '2027-11-22T00:00:00Z', credentialSubject: { ...enrollment.credential.credentialSubject, startDate: '2024-09-02', endDate: '2025-07-04', academicYear: '2024-2025' } } };
    expect((await issue(pastYear)).credentialId).toMatch(/^urn:attesto:/);
  });

  it('replays a committed credential after its validity has ended: the check is made when it is first issued', async () => {
    const diploma = issueRequest('DiplomaCredential');
    const request = { ...diploma, credential: { ...diploma.credential, validUntil: '2026-11-22T11:00:00Z' } };
    const first = await issue(request, 'ends-soon-key-01');
    const t0 = deps.now.value;
    try {
      deps.now.value = new Date('2026-11-22T12:00:00Z');
      const again = await issue(request, 'ends-soon-key-01');
      expect(again).toMatchObject({ replayed: true, credentialId: first.credentialId });
      // A new issuance of it is refused, as it would be expired when issued.
      await expect(issue(request, 'ends-soon-key-02')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      deps.now.value = t0;
    }
  });

  it('refuses a type that names no kind, or two', async () => {
    for (const type of [['VerifiableCredential'], ['VerifiableCredential', 'EnrollmentCredential', 'DiplomaCredential']]) {
      const error = await issue({ credential: { type, credentialSubject: {} } }).catch((e) => e);
      expect(error.code).toBe('UNKNOWN_KIND');
    }
  });

  it('gives 200 concurrent issuances 200 distinct slots', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => issue()));
    const ids = new Set(results.map((r) => r.credentialId));
    expect(ids.size).toBe(200);
    for (const r of results) expect(await env.store.getCredential(school.uai, parseCredentialId(r.credentialId)!.slot)).toMatchObject({ credentialId: r.credentialId });
  });

  it('never gives a slot twice, even when the random draw repeats', async () => {
    const fixed = coreDeps(env.store, { randomInt: () => 4242, signer: deps.signer, keys: deps.keys });
    const first = await issueCredential(fixed, { school, actor: 't', request: issueRequest() });
    expect(first.credentialId).toBe(`urn:attesto:${school.uai}:1:4242`);
    // Every further draw hits the taken slot: after a few probes the school moves to a fresh list.
    const second = await issueCredential(fixed, { school, actor: 't', request: issueRequest() });
    expect(second.credentialId).toBe(`urn:attesto:${school.uai}:2:4242`);
    expect((await env.store.getSchool(school.uai))!.currentList).toBe(2);
    expect(await env.store.getPublishedList(school.uai, 2, 'revocation')).toBeDefined();
  });

  it('a rollover publishes every form of the new list, even when an earlier attempt published only some', async () => {
    const { school: fresh } = await schoolWithToken(deps, '0330011');
    const fixed = coreDeps(env.store, { randomInt: () => 777, signer: deps.signer, keys: deps.keys });
    await issueCredential(fixed, { school: fresh, actor: 't', request: issueRequest() });
    // List 2 as a rollover that died midway (or a version without Token Status Lists) left it.
    await publishStatusLists(fixed, fresh, 2);
    await env.db.send(new DeleteCommand({ TableName: 'attesto', Key: keys.published(fresh.uai, 2, 'token') }));
    const second = await issueCredential(fixed, { school: fresh, actor: 't', request: issueRequest('DiplomaCredential', 'dc+sd-jwt') });
    expect(second.credentialId).toBe(`urn:attesto:${fresh.uai}:2:777`);
    expect(await env.store.getPublishedList(fresh.uai, 2, 'token')).toBeDefined();
  });

  it('recognises its own commit whose answer was lost (the retry found the slot taken): one credential, not two', async () => {
    const credentials = async () => (await env.scanAll()).filter((i) => String(i.pk).startsWith(`CRED#${school.uai}`)).length;
    const before = await credentials();
    // The write lands; its answer is lost, and the SDK's retry of it fails its condition.
    const lostAnswer = new Proxy(env.store, {
      get: (target, name, receiver) => (name === 'putCredential' ? async (record: never) => (await target.putCredential(record), false) : Reflect.get(target, name, receiver)),
    });
    const r = await issueCredential({ ...deps, store: lostAnswer }, { school, actor: 'school:test', request: issueRequest('DiplomaCredential') });
    expect(await credentials()).toBe(before + 1);
    expect((await env.store.getCredential(school.uai, parseCredentialId(r.credentialId)!.slot))!.kind).toBe('DiplomaCredential');
  });

  it('never hands one credential to two identical requests that draw the same slot at the same second', async () => {
    const same = coreDeps(env.store, { randomInt: () => 31337, signer: deps.signer, keys: deps.keys });
    const fresh = { ...school, currentList: (await env.store.getSchool(school.uai))!.currentList };
    const [a, b] = await Promise.all([1, 2].map(() => issueCredential(same, { school: fresh, actor: 't', request: issueRequest() })));
    expect(a!.credentialId).not.toBe(b!.credentialId);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same credential for a retried request, never a second one', async () => {
    const first = await issue(issueRequest('TranscriptCredential'), 'retry-key-0001');
    const again = await issue(issueRequest('TranscriptCredential'), 'retry-key-0001');
    expect(again.replayed).toBe(true);
    expect(again.credentialId).toBe(first.credentialId);
    // Same credential: identical claims (ECDSA signatures themselves are randomised).
    expect(decodeJwt(again.verifiableCredential as string)).toEqual(decodeJwt(first.verifiableCredential as string));
  });

  it('gives concurrent requests with one key one credential', async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => issue(issueRequest(), 'concurrent-key-01')));
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof issue>>>).value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.credentialId)).size).toBe(1);
    expect(new Set(refused)).toEqual(new Set(refused.length ? ['IDEMPOTENCY_IN_PROGRESS'] : []));
    const later = await issue(issueRequest(), 'concurrent-key-01');
    expect(later.credentialId).toBe(ok[0]!.credentialId);
  });

  it('refuses the same key with a different request (422)', async () => {
    await issue(issueRequest(), 'reused-key-0001');
    const error = await issue(issueRequest('DiplomaCredential'), 'reused-key-0001').catch((e) => e);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
  });

  it('holds a key for 24 hours only: after them, its request and digest no longer count, and the key makes a new credential', async () => {
    const first = await issue(issueRequest('TranscriptCredential'), 'day-old-key-0001');
    const until = new Date(NOW.getTime() + IDEMPOTENCY_WINDOW_SECONDS * 1000);
    try {
      // At its last second, the same request replays and another is refused.
      deps.now.value = new Date(until.getTime() - 1000);
      expect(await issue(issueRequest('TranscriptCredential'), 'day-old-key-0001')).toMatchObject({ replayed: true, credentialId: first.credentialId });
      await expect(issue(issueRequest('DiplomaCredential'), 'day-old-key-0001')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      // Then the stored record (which the store's TTL may take days to remove) is a free key.
      deps.now.value = until;
      const after = await issue(issueRequest('DiplomaCredential'), 'day-old-key-0001');
      expect(after.replayed).toBe(false);
      expect(after.credentialId).not.toBe(first.credentialId);
      expect(await env.store.getIdempotency(school.uai, reservationKey('day-old-key-0001'))).toMatchObject({ state: 'complete', credentialId: after.credentialId, issuedAt: isoSeconds(until) });
      // And holds the new request for its own 24 hours.
      expect(await issue(issueRequest('DiplomaCredential'), 'day-old-key-0001')).toMatchObject({ replayed: true, credentialId: after.credentialId });
    } finally {
      deps.now.value = NOW;
    }
  });

  it('does not replace a day-old key while a request is working on it (a takeover keeps the first attempt\'s time)', async () => {
    const request = issueRequest('DiplomaCredential');
    const { slot } = parseCredentialId((await issue(issueRequest(), 'slot-probe-0001')).credentialId)!;
    const free = { list: slot.list, index: (slot.index + 7) % 131_072 };
    // Reserved a day ago, and taken over a second ago by a request still signing.
    await env.store.reserveIdempotency({ uai: school.uai, key: reservationKey('live-takeover-01'), requestHash: (await import('../../lambdas/core/hash')).canonicalDigest(request), state: 'pending', owner: 'alive', reservedAt: new Date(NOW.getTime() - 1000).toISOString(), credentialId: `urn:attesto:${school.uai}:${free.list}:${free.index}`, slot: free, issuedAt: isoSeconds(new Date(NOW.getTime() - IDEMPOTENCY_WINDOW_SECONDS * 1000 - 1000)) });
    await expect(issue(request, 'live-takeover-01')).rejects.toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', status: 409 });
    // Even another request under the key waits (409), rather than being refused for good (422).
    await expect(issue(issueRequest('TranscriptCredential'), 'live-takeover-01')).rejects.toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', status: 409 });
    expect(await env.store.getIdempotency(school.uai, reservationKey('live-takeover-01'))).toMatchObject({ owner: 'alive' });
  });

  it('keeps no Idempotency-Key: its reservation is stored under a digest, and the mark its commit leaves on the credential record is keyed by a salt that expires with the reservation', async () => {
    // A key a school made of a student's INE (a batch row id, say).
    const key = 'eleve-070912345AZ';
    const issued = await issue(issueRequest('DiplomaCredential'), key);
    const items = await env.scanAll();
    expect(JSON.stringify(items)).not.toContain('070912345AZ');
    const reservation = (await env.store.getIdempotency(school.uai, reservationKey(key)))!;
    expect(reservation).toMatchObject({ key: reservationKey(key), state: 'complete', credentialId: issued.credentialId, salt: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/) });
    const record = (await env.store.getCredential(school.uai, parseCredentialId(issued.credentialId)!.slot))!;
    // Not a plain digest of the key, which trying every INE would reverse: an HMAC under the reservation's salt.
    const { createHash, createHmac } = await import('node:crypto');
    expect(record.idempotencyKeyDigest).not.toBe(createHash('sha256').update(key).digest('base64url'));
    expect(record.idempotencyKeyDigest).toBe(createHmac('sha256', reservation.salt!).update(key).digest('base64url'));
    // And a retry still finds it.
    expect(await issue(issueRequest('DiplomaCredential'), key)).toMatchObject({ credentialId: issued.credentialId, replayed: true });
  });

  it('honours a reservation an earlier version stored under the key itself, until its 24 hours end', async () => {
    const request = issueRequest('TranscriptCredential');
    const free = { list: 1, index: 123_457 };
    const credentialId = `urn:attesto:${school.uai}:${free.list}:${free.index}`;
    // A request of the earlier version died after reserving, before committing (no salt, the key in clear).
    await env.store.reserveIdempotency({ uai: school.uai, key: 'legacy-key-0001', requestHash: (await import('../../lambdas/core/hash')).canonicalDigest(request), state: 'pending', owner: 'dead', reservedAt: '2026-11-22T09:00:00.000Z', credentialId, slot: free, issuedAt: '2026-11-22T09:00:00Z' });
    const r = await issue(request, 'legacy-key-0001');
    expect(r.credentialId).toBe(credentialId);
    // Built as that version built it: dates in UTC, not with the school's offset.
    expect((decodeJwt(r.verifiableCredential as string).vc as { credentialSubject: { activityEndDate: string } }).credentialSubject.activityEndDate).toBe('2027-01-31T23:59:59Z');
    expect(await env.store.getIdempotency(school.uai, 'legacy-key-0001')).toMatchObject({ state: 'complete', credentialId });
    expect(await issue(request, 'legacy-key-0001')).toMatchObject({ credentialId, replayed: true });
    // Nothing was made under the digest meanwhile: one reservation for the key.
    expect(await env.store.getIdempotency(school.uai, reservationKey('legacy-key-0001'))).toBeUndefined();
    // It hashed the request as sent, before NFC: a retry of a request with decomposed accents is the same request.
    const e = issueRequest('EnrollmentCredential');
    const s = e.credential.credentialSubject as unknown as { student: Record<string, unknown> };
    const decomposed = { ...e, credential: { ...e.credential, credentialSubject: { ...s, student: { ...s.student, givenName: 'E\u0301lodie' } } } } as IssueRequest;
    const slot = { list: 1, index: 123_458 };
    await env.store.reserveIdempotency({ uai: school.uai, key: 'legacy-key-0002', requestHash: (await import('../../lambdas/core/hash')).canonicalDigest(decomposed), state: 'pending', owner: 'dead', reservedAt: '2026-11-22T09:00:00.000Z', credentialId: `urn:attesto:${school.uai}:1:${slot.index}`, slot, issuedAt: '2026-11-22T09:00:00Z' });
    expect(await issue(decomposed, 'legacy-key-0002')).toMatchObject({ credentialId: `urn:attesto:${school.uai}:1:${slot.index}` });
  });

  it('moves a dead reservation whose slot another credential took meanwhile', async () => {
    const taken = await issue();
    const { slot } = (await import('../../lambdas/core/status/slot')).parseCredentialId(taken.credentialId)!;
    const request = issueRequest('DiplomaCredential');
    await env.store.reserveIdempotency({ uai: school.uai, key: reservationKey('crashed-key-0002'), requestHash: (await import('../../lambdas/core/hash')).canonicalDigest(request), state: 'pending', owner: 'dead', reservedAt: '2026-11-22T09:00:00.000Z', credentialId: taken.credentialId, slot, issuedAt: '2026-11-22T09:00:00Z' });
    const r = await issue(request, 'crashed-key-0002');
    expect(r.credentialId).not.toBe(taken.credentialId);
    expect(await env.store.getIdempotency(school.uai, reservationKey('crashed-key-0002'))).toMatchObject({ state: 'complete', credentialId: r.credentialId });
    // The other credential is untouched.
    expect((await env.store.getCredential(school.uai, slot))!.kind).toBe('EnrollmentCredential');
  });

  it('completes a reservation for good: a takeover decided on it while it was pending cannot take it back (one credential, one holder)', async () => {
    const request = issueRequest('TranscriptCredential');
    let lateTakeover: boolean | undefined;
    const racing = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'updateIdempotency'
          ? async (record: { state: string }, owner: string) => {
              // Another request read the record while it was pending (and stale by its clock), and takes it over just after it completes.
              const seen = record.state === 'complete' ? await target.getIdempotency(school.uai, reservationKey('completed-key-01')) : undefined;
              const done = await target.updateIdempotency(record as never, owner);
              if (seen) lateTakeover = await target.updateIdempotency({ ...seen, owner: 'late', reservedAt: '2026-11-22T10:00:00.000Z' }, seen.owner);
              return done;
            }
          : Reflect.get(target, name, receiver),
    });
    const r = await issueCredential({ ...deps, store: racing }, { school, actor: 'school:test', request, idempotencyKey: 'completed-key-01' });
    expect(lateTakeover).toBe(false);
    expect(await env.store.getIdempotency(school.uai, reservationKey('completed-key-01'))).toMatchObject({ state: 'complete', credentialId: r.credentialId });
    // The completion's own retry (its answer lost) still goes through.
    const complete = (await env.store.getIdempotency(school.uai, reservationKey('completed-key-01')))!;
    expect(await env.store.updateIdempotency(complete, complete.owner)).toBe(true);
  });

  it('moves a reservation under a new owner token, so a takeover decided on the record as it was cannot write the old slot back', async () => {
    const taken = await issue();
    const { slot } = parseCredentialId(taken.credentialId)!;
    const request = issueRequest('TranscriptCredential');
    await env.store.reserveIdempotency({ uai: school.uai, key: reservationKey('moved-key-0001'), requestHash: (await import('../../lambdas/core/hash')).canonicalDigest(request), state: 'pending', owner: 'dead', reservedAt: '2026-11-22T09:00:00.000Z', credentialId: taken.credentialId, slot, issuedAt: '2026-11-22T09:00:00Z' });
    let lateTakeover: boolean | undefined;
    const racing = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'updateIdempotency'
          ? async (record: { slot: { index: number }; state: string }, owner: string) => {
              // Another request read the record just before this one moves it, and takes it over just after.
              const seen = record.state === 'pending' && record.slot.index !== slot.index ? await target.getIdempotency(school.uai, reservationKey('moved-key-0001')) : undefined;
              const done = await target.updateIdempotency(record as never, owner);
              if (seen) lateTakeover = await target.updateIdempotency({ ...seen, owner: 'late', reservedAt: '2026-11-22T10:00:00.000Z' }, seen.owner);
              return done;
            }
          : Reflect.get(target, name, receiver),
    });
    const r = await issueCredential({ ...deps, store: racing }, { school, actor: 'school:test', request, idempotencyKey: 'moved-key-0001' });
    expect(lateTakeover).toBe(false);
    expect(await env.store.getIdempotency(school.uai, reservationKey('moved-key-0001'))).toMatchObject({ state: 'complete', credentialId: r.credentialId });
  });

  it('releases its reservation when signing fails, so the retry the 503 asks for succeeds at once', async () => {
    const flaky = throttledOnce();
    const request = issueRequest('DiplomaCredential');
    await expect(issueCredential({ ...deps, signer: flaky }, { school, actor: 't', request, idempotencyKey: 'flaky-signer-0001' })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    const retried = await issueCredential({ ...deps, signer: flaky }, { school, actor: 't', request, idempotencyKey: 'flaky-signer-0001' });
    expect(retried.replayed).toBe(false);
    expect(await env.store.getIdempotency(school.uai, reservationKey('flaky-signer-0001'))).toMatchObject({ state: 'complete', credentialId: retried.credentialId });
  });

  it('refuses the retry of an issuance never committed once its validity is over: it would be issued expired', async () => {
    const flaky = throttledOnce();
    const base = issueRequest('DiplomaCredential');
    const request = { ...base, credential: { ...base.credential, validUntil: '2026-11-22T10:30:00Z' } };
    const t0 = deps.now.value;
    try {
      deps.now.value = new Date('2026-11-22T10:29:30Z');
      await expect(issueCredential({ ...deps, signer: flaky }, { school, actor: 't', request, idempotencyKey: 'late-retry-0001' })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
      const before = (await env.scanAll()).length;
      deps.now.value = new Date('2026-11-22T10:35:00Z');
      const refused = await issueCredential({ ...deps, signer: flaky }, { school, actor: 't', request, idempotencyKey: 'late-retry-0001' }).catch((e) => e);
      expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(refused.errors[0].pointer).toBe('/credential/validUntil');
      expect((await env.scanAll()).length).toBe(before);
    } finally {
      deps.now.value = t0;
    }
  });

  it('finishes, after its validity ended, an issuance its first attempt committed but never marked complete', async () => {
    const base = issueRequest('DiplomaCredential');
    const request = { ...base, credential: { ...base.credential, validUntil: '2026-11-22T10:30:00Z' } };
    // The reservation is never updated: the attempt dies between its commit and marking the key complete.
    const dying = new Proxy(env.store, { get: (target, name, receiver) => (name === 'updateIdempotency' ? async () => Promise.reject(new Error('the function was stopped')) : Reflect.get(target, name, receiver)) });
    const t0 = deps.now.value;
    try {
      deps.now.value = new Date('2026-11-22T10:29:00Z');
      await expect(issueCredential({ ...deps, store: dying }, { school, actor: 't', request, idempotencyKey: 'late-commit-0001' })).rejects.toThrow('stopped');
      const reserved = (await env.store.getIdempotency(school.uai, reservationKey('late-commit-0001')))!;
      expect(reserved.state).toBe('pending');
      expect(await env.store.getCredential(school.uai, reserved.slot)).toBeDefined();
      // Retried after its validity ended: the credential exists, so it is delivered (and audited), not refused.
      deps.now.value = new Date('2026-11-22T10:31:00Z');
      const retried = await issueCredential(deps, { school, actor: 't', request, idempotencyKey: 'late-commit-0001' });
      expect(retried.credentialId).toBe(reserved.credentialId);
      const { events } = await readAudit(deps, { reader: 'operator', uai: school.uai, from: '2026-11-22T10:29:00Z', to: '2026-11-22T10:29:01Z', limit: 500 });
      expect(events.filter((e) => e.credentialId === retried.credentialId).map((e) => e.action)).toEqual(['credential.issued']);
    } finally {
      deps.now.value = t0;
    }
  });

  it('audits an issuance whose request died after committing: the retry writes the event, once', async () => {
    const { school: other } = await schoolWithToken(deps, '0751299');
    const request = issueRequest('DiplomaCredential');
    // The function is stopped right after marking the key complete: no audit event, no release.
    const stopped = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'appendAudit'
          ? async () => Promise.reject(new Error('the function was stopped'))
          : name === 'updateIdempotency'
            ? async (record: { reservedAt: string }, owner: string) => (record.reservedAt === new Date(0).toISOString() ? true : target.updateIdempotency(record as never, owner))
            : Reflect.get(target, name, receiver),
    });
    await expect(issueCredential({ ...deps, store: stopped }, { school: other, actor: 'school:other', request, idempotencyKey: 'stopped-key-0001' })).rejects.toThrow('stopped');
    expect(await env.store.getIdempotency(other.uai, reservationKey('stopped-key-0001'))).toMatchObject({ state: 'complete' });
    // Retried later, by another client of the school: the event is the first attempt's, once.
    const t0 = deps.now.value;
    let retried;
    try {
      deps.now.value = new Date(t0.getTime() + 60_000);
      retried = await issueCredential(deps, { school: other, actor: 'school:retry', request, idempotencyKey: 'stopped-key-0001' });
      await issueCredential(deps, { school: other, actor: 'school:retry', request, idempotencyKey: 'stopped-key-0001' });
    } finally {
      deps.now.value = t0;
    }
    expect(retried.replayed).toBe(true);
    const { events } = await readAudit(deps, { uai: other.uai });
    expect(events.filter((e) => e.action === 'credential.issued')).toEqual([
      { uai: other.uai, at: '2026-11-22T10:00:00Z', action: 'credential.issued', actor: 'school:other', credentialId: retried.credentialId, detail: { kind: 'DiplomaCredential', format: 'jwt_vc' } },
    ]);
  });

  it('keeps a completed reservation complete when only its audit write failed: the retry replays it, audited once', async () => {
    const { school: other } = await schoolWithToken(deps, '0751298');
    const request = issueRequest('DiplomaCredential');
    const command = { school: other, actor: 'school:other', request, idempotencyKey: 'audit-down-0001' };
    await expect(issueCredential({ ...deps, store: auditDown(env.store) }, command)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await env.store.getIdempotency(other.uai, reservationKey('audit-down-0001'))).toMatchObject({ state: 'complete' });
    const retried = await issueCredential(deps, command);
    expect(retried.replayed).toBe(true);
    const { events } = await readAudit(deps, { uai: other.uai });
    expect(events.filter((e) => e.action === 'credential.issued').map((e) => e.credentialId)).toEqual([retried.credentialId]);
  });

  it('recognises its own reservation whose answer was lost, rather than answering that the key is in use', async () => {
    const lostAnswer = new Proxy(env.store, {
      get: (target, name, receiver) => (name === 'reserveIdempotency' ? async (record: never) => (await target.reserveIdempotency(record), false) : Reflect.get(target, name, receiver)),
    });
    const r = await issueCredential({ ...deps, store: lostAnswer }, { school, actor: 'school:test', request: issueRequest(), idempotencyKey: 'lost-answer-0001' });
    expect(r.replayed).toBe(false);
    expect(await env.store.getIdempotency(school.uai, reservationKey('lost-answer-0001'))).toMatchObject({ state: 'complete', credentialId: r.credentialId });
  });

  it('records and audits a reservation taken over by another client of the school as its first client', async () => {
    const { school: other } = await schoolWithToken(deps, '0751297');
    const request = issueRequest();
    const hash = (await import('../../lambdas/core/hash')).canonicalDigest(request);
    await env.store.reserveIdempotency({ uai: other.uai, key: reservationKey('taken-over-0001'), requestHash: hash, state: 'pending', owner: 'dead', reservedAt: '2026-11-22T09:00:00.000Z', credentialId: `urn:attesto:${other.uai}:1:4242`, slot: { list: 1, index: 4242 }, issuedAt: '2026-11-22T09:00:00Z', actor: 'school:first' });
    const r = await issueCredential(deps, { school: other, actor: 'school:second', request, idempotencyKey: 'taken-over-0001' });
    expect((await env.store.getCredential(other.uai, { list: 1, index: 4242 }))!.issuedBy).toBe('school:first');
    const { events } = await readAudit(deps, { uai: other.uai, from: '2026-11-22T00:00:00Z' });
    expect(events.filter((e) => e.credentialId === r.credentialId).map((e) => [e.action, e.actor, e.at])).toEqual([['credential.issued', 'school:first', '2026-11-22T09:00:00Z']]);
  });

  it('finishes the work of a request that died after reserving its key', async () => {
    const request = issueRequest();
    // A slot no earlier test drew (they draw at random).
    let index = 777;
    while (!(await env.store.isSlotFree(school.uai, { list: 1, index }))) index++;
    // Simulate the crash: a stale pending reservation, nothing committed.
    await env.store.reserveIdempotency({ uai: school.uai, key: reservationKey('crashed-key-0001'), requestHash: (await import('../../lambdas/core/hash')).canonicalDigest(request), state: 'pending', owner: 'dead', reservedAt: '2026-11-22T09:00:00.000Z', credentialId: `urn:attesto:${school.uai}:1:${index}`, slot: { list: 1, index }, issuedAt: '2026-11-22T09:00:00Z' });
    const r = await issue(request, 'crashed-key-0001');
    expect(r.credentialId).toBe(`urn:attesto:${school.uai}:1:${index}`);
    expect(decodeJwt(r.verifiableCredential as string).nbf).toBe(Date.parse('2026-11-22T09:00:00Z') / 1000);
  });

  it('publishes the status lists at the first issuance when the registration did not, once for concurrent issuances', async () => {
    const { school: fresh } = await schoolWithToken(deps, '0330010');
    for (const purpose of PUBLISHED_LISTS) await env.db.send(new DeleteCommand({ TableName: 'attesto', Key: keys.published(fresh.uai, 1, purpose) }));
    let published = 0;
    const store = new Proxy(env.store, {
      get: (target, name, receiver) => (name === 'putPublishedList' ? (l: Parameters<typeof target.putPublishedList>[0]) => (published++, target.putPublishedList(l)) : Reflect.get(target, name, receiver)),
    });
    await Promise.all([1, 2, 3, 4].map(() => issueCredential({ ...deps, store }, { school: fresh, actor: 't', request: issueRequest() })));
    expect(published).toBe(3); // revocation, suspension and the Token Status List, once
    for (const purpose of PUBLISHED_LISTS) expect(await env.store.getPublishedList(fresh.uai, 1, purpose)).toBeDefined();
  });
});
