import { decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { parseCredentialId } from '../../lambdas/core/status/slot';
import type { UpdateStatusRequest } from '../../lambdas/core/requests';
import { coreDeps, schoolWithToken } from '../helpers/core';
import { issueRequest, NOW, PERSONAL_VALUES } from '../helpers/fixtures';
import { auditDown, startStore } from '../helpers/store';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { AttestoError } from '../../lambdas/core/errors';
import { PUBLISHED_LISTS } from '../../lambdas/core/records';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0130001'));
});
afterAll(() => env.close());

const issue = async (kind: Parameters<typeof issueRequest>[0] = 'EnrollmentCredential') =>
  (await issueCredential(deps, { school, actor: 'school:test', request: issueRequest(kind) })).credentialId;

const change = (credentialId: string, statusPurpose: 'revocation' | 'suspension', status: boolean) =>
  updateStatus(deps, { school, actor: 'school:test', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status }] } as UpdateStatusRequest });

async function publishedBits(purpose: 'revocation' | 'suspension', list = 1) {
  const published = await env.store.getPublishedList(school.uai, list, purpose);
  const subject = decodeJwt(published!.jwt).credentialSubject as { encodedList: string; statusPurpose: string };
  expect(subject.statusPurpose).toBe(purpose);
  return decodeList({ encodedList: subject.encodedList });
}

describe('revocation and suspension', () => {
  it('revokes: the published revocation list has the bit set, the suspension list does not', async () => {
    const id = await issue();
    const { slot } = parseCredentialId(id)!;
    expect(await change(id, 'revocation', true)).toMatchObject({ credentialId: id, revoked: true, suspended: false });
    expect((await publishedBits('revocation')).getStatus(slot.index)).toBe(true);
    expect((await publishedBits('suspension')).getStatus(slot.index)).toBe(false);
  });

  it('treats revoking twice as done (idempotent), and refuses to reinstate with 409', async () => {
    const id = await issue();
    await change(id, 'revocation', true);
    expect(await change(id, 'revocation', true)).toMatchObject({ revoked: true });
    await expect(change(id, 'revocation', false)).rejects.toMatchObject({ code: 'REVOCATION_IS_FINAL', status: 409 });
    await expect(change(id, 'suspension', true)).rejects.toMatchObject({ code: 'CREDENTIAL_REVOKED', status: 409 });
  });

  it('suspends and unsuspends', async () => {
    const id = await issue();
    const { slot } = parseCredentialId(id)!;
    await change(id, 'suspension', true);
    expect((await publishedBits('suspension')).getStatus(slot.index)).toBe(true);
    expect(await change(id, 'suspension', false)).toMatchObject({ suspended: false });
    expect((await publishedBits('suspension')).getStatus(slot.index)).toBe(false);
  });

  it('refuses unknown credentials and other schools\' credentials', async () => {
    await expect(change(`urn:attesto:${school.uai}:1:99999`, 'revocation', true)).rejects.toMatchObject({ code: 'UNKNOWN_CREDENTIAL', status: 404 });
    await expect(change('urn:attesto:0751234J:1:5', 'revocation', true)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(change('not-an-id', 'revocation', true)).rejects.toMatchObject({ code: 'INVALID_CREDENTIAL_ID', status: 400 });
  });

  it('publishes the three forms of a list together: a signer failing on one leaves all as they were; the retry publishes all', async () => {
    const id = await issue();
    const { slot } = parseCredentialId(id)!;
    const typOf = (data: Uint8Array) => JSON.parse(Buffer.from(Buffer.from(data).toString('latin1').split('.')[0]!, 'base64url').toString()).typ;
    const throttledOnTokenLists = coreDeps(env.store, {
      keys: deps.keys,
      signer: { sign: async (keyRef, data) => (typOf(data) === 'statuslist+jwt' ? Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) : deps.signer.sign(keyRef, data)) },
    });
    const published = () => Promise.all(PUBLISHED_LISTS.map(async (p) => (await env.store.getPublishedList(school.uai, slot.list, p))!.jwt));
    const before = await published();
    const request = { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } as UpdateStatusRequest;
    await expect(updateStatus(throttledOnTokenLists, { school, actor: 'school:test', request })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    expect(await published()).toEqual(before);
    // The school resends the same request (the 503 said so): every form now says revoked.
    await updateStatus(deps, { school, actor: 'school:test', request });
    expect((await publishedBits('revocation')).getStatus(slot.index)).toBe(true);
    expect(getListFromStatusListJWT((await env.store.getPublishedList(school.uai, slot.list, 'token'))!.jwt).getStatus(slot.index)).toBe(1);
  });

  it('publishes the resend of a revocation that also named the suspension, after its first attempt wrote the flags and failed', async () => {
    for (const suspended of [false, true]) {
      const id = await issue();
      const { slot } = parseCredentialId(id)!;
      const request = {
        credentialId: id,
        credentialStatus: [
          { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true },
          { type: 'BitstringStatusListEntry', statusPurpose: 'suspension', status: suspended },
        ],
      } as UpdateStatusRequest;
      const throttled = coreDeps(env.store, { keys: deps.keys, signer: { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) } });
      await expect(updateStatus(throttled, { school, actor: 'school:test', request })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
      expect((await publishedBits('revocation')).getStatus(slot.index)).toBe(false);
      // The resend asks for what is now the state: nothing to refuse, and the lists get published.
      expect(await updateStatus(deps, { school, actor: 'school:test', request })).toMatchObject({ revoked: true, suspended });
      expect((await publishedBits('revocation')).getStatus(slot.index)).toBe(true);
      expect((await publishedBits('suspension')).getStatus(slot.index)).toBe(suspended);
      // A change of the suspension of a revoked credential is still refused.
      await expect(change(id, 'suspension', !suspended)).rejects.toMatchObject({ code: 'CREDENTIAL_REVOKED', status: 409 });
    }
  });

  it('loses no bit under 1,000 concurrent revocations on one list, in the Bitstring and the Token Status List', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) ids.push(...(await Promise.all(Array.from({ length: 100 }, () => issue()))));
    expect(new Set(ids).size).toBe(1000);
    const already = await publishedBits('revocation');
    await Promise.all(ids.map((id) => change(id, 'revocation', true)));
    const bits = await publishedBits('revocation');
    for (const id of ids) expect(bits.getStatus(parseCredentialId(id)!.slot.index)).toBe(true);
    let set = 0;
    let before = 0;
    for (let i = 0; i < bits.length; i++) {
      if (bits.getStatus(i)) set++;
      if (already.getStatus(i)) before++;
    }
    expect(set).toBe(before + 1000);
    const token = getListFromStatusListJWT((await env.store.getPublishedList(school.uai, 1, 'token'))!.jwt);
    for (const id of ids) expect(token.getStatus(parseCredentialId(id)!.slot.index)).toBe(1);
  }, 120_000);
});

describe('audit and data minimisation', () => {
  it('records registration, issuance and status changes: actor, school, action, credential id, time', async () => {
    const { school: other } = await schoolWithToken(deps, '0690002');
    const id = (await issueCredential(deps, { school: other, actor: 'school:other', request: issueRequest('DiplomaCredential') })).credentialId;
    const req = (statusPurpose: 'revocation' | 'suspension') => ({ credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry' as const, statusPurpose, status: true }] });
    await updateStatus(deps, { school: other, actor: 'school:other', request: req('suspension') });
    await updateStatus(deps, { school: other, actor: 'school:other', request: req('revocation') });
    const { events } = await readAudit(deps, { uai: other.uai });
    expect(events.map((e) => e.action).sort()).toEqual(['credential.issued', 'credential.revoked', 'credential.suspended', 'key.created', 'school.registered']);
    for (const e of events.filter((e) => e.action.startsWith('credential.'))) {
      expect(e).toMatchObject({ uai: other.uai, actor: 'school:other', credentialId: id, at: '2026-11-22T10:00:00Z' });
    }
    // Another school's trail is its own.
    const { events: mine } = await readAudit(deps, { uai: school.uai, limit: 500 });
    expect(mine.some((e) => e.credentialId === id)).toBe(false);
  });

  it('publishes a revocation whose audit write failed: the 503 never leaves verifiers told the credential is valid', async () => {
    const id = await issue();
    const { slot } = parseCredentialId(id)!;
    const request = { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } as UpdateStatusRequest;
    await expect(updateStatus({ ...deps, store: auditDown(env.store) }, { school, actor: 'school:test', request })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    expect((await publishedBits('revocation', slot.list)).getStatus(slot.index)).toBe(true);
    expect(getListFromStatusListJWT((await env.store.getPublishedList(school.uai, slot.list, 'token'))!.jwt).getStatus(slot.index)).toBe(1);
  });

  it('answers the signer\'s failure, not the store\'s, when both the publication and the audit write fail', async () => {
    const id = await issue();
    const throttled = coreDeps(auditDown(env.store), { keys: deps.keys, signer: { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) } });
    const request = { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'suspension', status: true }] } as UpdateStatusRequest;
    await expect(updateStatus(throttled, { school, actor: 'school:test', request })).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
  });

  it('leaves the list behind its sequence number when the signer fails, so that the next change on it publishes this one too', async () => {
    // A school of its own: its audit trail holds this test's events only.
    const { school: other } = await schoolWithToken(deps, '0690010');
    const issueOther = async () => (await issueCredential(deps, { school: other, actor: 'school:other', request: issueRequest() })).credentialId;
    const revoke = (d: typeof deps, credentialId: string, statusPurpose = 'revocation') =>
      updateStatus(d, { school: other, actor: 'school:other', request: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status: true }] } as UpdateStatusRequest });
    const id = await issueOther();
    const { slot } = parseCredentialId(id)!;
    const revokedBit = async () => {
      const subject = decodeJwt((await env.store.getPublishedList(other.uai, slot.list, 'revocation'))!.jwt).credentialSubject as { encodedList: string };
      return (await decodeList({ encodedList: subject.encodedList })).getStatus(slot.index);
    };
    const throttled = coreDeps(env.store, { keys: deps.keys, signer: { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) } });
    await expect(revoke(throttled, id)).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    // Audited all the same: it is recorded, and in effect from the next publication of its list.
    const { events } = await readAudit(deps, { uai: other.uai });
    expect(events.filter((e) => e.credentialId === id).map((e) => e.action)).toEqual(['credential.issued', 'credential.revoked']);
    expect(await revokedBit()).toBe(false);
    // Nobody resends it; another credential of the list is suspended later.
    await revoke(deps, await issueOther(), 'suspension');
    expect(await revokedBit()).toBe(true);
  });

  it('keeps a list made at a larger ATTESTO_STATUS_LIST_SIZE working after the size is lowered: its length covers its highest index', async () => {
    const { school: other } = await schoolWithToken(deps, '0690011');
    const large = coreDeps(env.store, { keys: deps.keys, signer: deps.signer, listSize: 262_144, randomInt: () => 200_000 });
    const id = (await issueCredential(large, { school: other, actor: 'school:other', request: issueRequest() })).credentialId;
    const lowered = coreDeps(env.store, { keys: deps.keys, signer: deps.signer, listSize: 131_072 });
    await updateStatus(lowered, { school: other, actor: 'school:other', request: { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } as UpdateStatusRequest });
    const subject = decodeJwt((await env.store.getPublishedList(other.uai, 1, 'revocation'))!.jwt).credentialSubject as { encodedList: string };
    const bits = await decodeList({ encodedList: subject.encodedList });
    // The length it was made with (a multiple of the configured size), not the index's own: nothing to learn from it.
    expect(bits.length).toBe(262_144);
    expect(bits.getStatus(200_000)).toBe(true);
    expect(getListFromStatusListJWT((await env.store.getPublishedList(other.uai, 1, 'token'))!.jwt).getStatus(200_000)).toBe(1);
  });

  it('audits a change whose request died before its audit event: the retry writes the event, once', async () => {
    const { school: other } = await schoolWithToken(deps, '0690003');
    const id = (await issueCredential(deps, { school: other, actor: 'school:other', request: issueRequest() })).credentialId;
    const request = (statusPurpose: 'revocation' | 'suspension'): UpdateStatusRequest => ({ credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status: true }] });
    // The flags are written, then the audit write fails (or the function is stopped there).
    const failingAudit = auditDown(env.store);
    for (const purpose of ['suspension', 'revocation'] as const) {
      await expect(updateStatus({ ...deps, store: failingAudit }, { school: other, actor: 'school:other', request: request(purpose) })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
      // The retry the 503 asks for (later, by another client of the school) finds nothing left to
      // change, and still records what changed, as it happened: when, and by whom.
      deps.now.value = new Date(NOW.getTime() + 30_000);
      try {
        await updateStatus(deps, { school: other, actor: 'school:retry', request: request(purpose) });
        await updateStatus(deps, { school: other, actor: 'school:retry', request: request(purpose) });
      } finally {
        deps.now.value = NOW;
      }
    }
    const { events } = await readAudit(deps, { uai: other.uai });
    expect(events.filter((e) => e.credentialId === id)).toEqual([
      { uai: other.uai, at: '2026-11-22T10:00:00Z', action: 'credential.issued', actor: 'school:other', credentialId: id, detail: { kind: 'EnrollmentCredential', format: 'jwt_vc' } },
      { uai: other.uai, at: '2026-11-22T10:00:00Z', action: 'credential.revoked', actor: 'school:other', credentialId: id, detail: { change: 2 } },
      { uai: other.uai, at: '2026-11-22T10:00:00Z', action: 'credential.suspended', actor: 'school:other', credentialId: id, detail: { change: 1 } },
    ]);
  });

  it('records a change whose request was stopped before its audit even when another change replaced it meanwhile', async () => {
    const { school: other } = await schoolWithToken(deps, '0690005');
    const id = (await issueCredential(deps, { school: other, actor: 'school:other', request: issueRequest() })).credentialId;
    const request = (statusPurpose: 'revocation' | 'suspension'): UpdateStatusRequest => ({ credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose, status: true }] });
    const failingAudit = auditDown(env.store);
    // A suspends, and is stopped before its event; B revokes before A's retry comes.
    await expect(updateStatus({ ...deps, store: failingAudit }, { school: other, actor: 'school:a', request: request('suspension') })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    deps.now.value = new Date(NOW.getTime() + 5_000);
    try {
      await updateStatus(deps, { school: other, actor: 'school:b', request: request('revocation') });
    } finally {
      deps.now.value = NOW;
    }
    const { events } = await readAudit(deps, { uai: other.uai, to: '2026-11-22T10:01:00Z' });
    expect(events.filter((e) => e.credentialId === id && e.action !== 'credential.issued').map((e) => [e.action, e.actor, e.at])).toEqual([
      ['credential.suspended', 'school:a', '2026-11-22T10:00:00Z'],
      ['credential.revoked', 'school:b', '2026-11-22T10:00:05Z'],
    ]);
  });

  it('never counts a change number back when alike states come and go within a second', async () => {
    const { school: other } = await schoolWithToken(deps, '0690006');
    const id = (await issueCredential(deps, { school: other, actor: 'school:other', request: issueRequest() })).credentialId;
    const suspend = (status: boolean) => ({ credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry' as const, statusPurpose: 'suspension' as const, status }] });
    await updateStatus(deps, { school: other, actor: 'school:other', request: suspend(true) });
    await updateStatus(deps, { school: other, actor: 'school:other', request: suspend(false) });
    // C reads the flags (not suspended, change 2); A and B suspend and unsuspend before C writes.
    let raced = false;
    const racing = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'putFlags'
          ? async (...args: Parameters<typeof target.putFlags>) => {
              if (!raced) {
                raced = true;
                await updateStatus(deps, { school: other, actor: 'school:a', request: suspend(true) });
                await updateStatus(deps, { school: other, actor: 'school:b', request: suspend(false) });
              }
              return target.putFlags(...args);
            }
          : Reflect.get(target, name, receiver),
    });
    await updateStatus({ ...deps, store: racing }, { school: other, actor: 'school:c', request: suspend(true) });
    const { events } = await readAudit(deps, { uai: other.uai });
    const numbers = events.filter((e) => e.credentialId === id && e.action !== 'credential.issued').map((e) => e.detail?.change as number);
    expect(numbers.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps every change in the audit trail, even alike ones in the same second: suspended, unsuspended, suspended again', async () => {
    const { school: other } = await schoolWithToken(deps, '0690004');
    const id = (await issueCredential(deps, { school: other, actor: 'school:other', request: issueRequest() })).credentialId;
    for (const status of [true, false, true]) {
      await updateStatus(deps, { school: other, actor: 'school:other', request: { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'suspension', status }] } });
    }
    const { events } = await readAudit(deps, { uai: other.uai });
    const changes = events.filter((e) => e.action !== 'credential.issued' && e.credentialId === id).map((e) => [e.detail?.change, e.action]);
    expect(changes.sort()).toEqual([[1, 'credential.suspended'], [2, 'credential.unsuspended'], [3, 'credential.suspended']]);
  });

  it('keeps no personal data: no name, birth date, grade or student id in any stored item', async () => {
    for (const kind of ['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'] as const) await issue(kind);
    const items = await env.scanAll();
    expect(items.length).toBeGreaterThan(100);
    const dump = JSON.stringify(items);
    for (const value of PERSONAL_VALUES) expect(dump, value).not.toContain(value);
    // A credential's record is what revocation and audit need: no copy, and no hash of it either
    // (a hash of personal data confirms a guess of it).
    const recordFields = ['pk', 'sk', 'uai', 'credentialId', 'slot', 'kind', 'format', 'issuedAt', 'validFrom', 'validUntil', 'issuedBy', 'idempotencyKeyDigest', 'commitId'];
    for (const item of items.filter((i) => String(i.pk).startsWith('CRED#'))) {
      expect(Object.keys(item).filter((k) => !recordFields.includes(k)), String(item.pk)).toEqual([]);
    }
    // The published status lists are signed JWTs: check their payloads too.
    for (const item of items.filter((i) => typeof i.jwt === 'string')) {
      const claims = JSON.stringify(decodeJwt(item.jwt as string));
      for (const value of PERSONAL_VALUES) expect(claims).not.toContain(value);
    }
  });
});
