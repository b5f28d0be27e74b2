/**
 * An operator moves a school to a fresh status list (after a table restore, the slots of
 * credentials issued since the restore point look free): new credentials go to the new list,
 * published before anything points at it; the old list keeps serving, and revoking works on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { AttestoError } from '../../lambdas/core/errors';
import { rollover } from '../../lambdas/core/status/allocate';
import { publishAudited } from '../../lambdas/core/status/publish';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { startNextStatusList } from '../../lambdas/core/use-cases/next-status-list';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { updateStatus } from '../../lambdas/core/use-cases/update-status';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { coreDeps, PUBLIC_URL, schoolWithToken, uai } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
});
afterAll(() => env.close());

const listOf = (jws: string) => {
  const vc = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()).vc as { credentialStatus: { statusListCredential: string }[] };
  return new Set(vc.credentialStatus.map((s) => Number(s.statusListCredential.split('/').pop())));
};

describe('moving a school to a fresh status list', () => {
  it('puts new credentials on it, published first and audited as the operator did it; the credentials of the old one still verify and are revoked as before', async () => {
    deps.now.value = new Date('2026-11-22T10:00:00Z');
    const { school } = await schoolWithToken(deps, '0330031');
    const verify = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 0 });
    const before = await issueCredential(deps, { school, actor: 'school:test', request: issueRequest('EnrollmentCredential') });
    expect(listOf(before.verifiableCredential as string)).toEqual(new Set([1]));

    expect(await startNextStatusList(deps, { uai: school.uai, actor: 'operator:test' })).toEqual({ uai: school.uai, previousList: 1, currentList: 2 });
    for (const purpose of ['revocation', 'suspension', 'token'] as const) expect(await env.store.getPublishedList(school.uai, 2, purpose), purpose).toBeDefined();
    const events = (await readAudit(deps, { reader: 'operator', uai: school.uai })).events.filter((e) => e.action === 'status-list.created');
    expect(events).toEqual([expect.objectContaining({ actor: 'operator:test', detail: { list: 2 } })]);

    const moved = (await env.store.getSchool(school.uai))!;
    const after = await issueCredential(deps, { school: moved, actor: 'school:test', request: issueRequest('EnrollmentCredential') });
    expect(listOf(after.verifiableCredential as string)).toEqual(new Set([2]));
    for (const issued of [before, after]) {
      expect((await verifyCredential(verify, issued.verifiableCredential as string)).verified).toBe(true);
      await updateStatus(deps, { school: moved, actor: 'school:test', request: { credentialId: issued.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] } as never });
      const r = await verifyCredential(verify, issued.verifiableCredential as string);
      expect(r.errors.map((e) => e.code)).toEqual(['REVOKED']);
    }
  });

  it('audits a list whose first publication failed once a later issuance publishes it (a signer refused, a write lost midway)', async () => {
    deps.now.value = new Date('2026-11-22T10:00:00Z');
    const { school } = await schoolWithToken(deps, '0330033');
    const created = async () => (await readAudit(deps, { reader: 'operator', uai: school.uai })).events.filter((e) => e.action === 'status-list.created');
    // The signer is throttled as the rollover publishes list 2: the school is on list 2, which is published nowhere.
    const throttled = { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) };
    await expect(rollover({ ...deps, signer: throttled }, school, 1)).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    expect((await env.store.getSchool(school.uai))!.currentList).toBe(2);
    expect(await created()).toEqual([]);
    // The next issuance publishes it, and says it was made.
    const issued = await issueCredential(deps, { school: (await env.store.getSchool(school.uai))!, actor: 'school:test', request: issueRequest('EnrollmentCredential') });
    expect(listOf(issued.verifiableCredential as string)).toEqual(new Set([2]));
    expect(await created()).toEqual([expect.objectContaining({ actor: 'attesto', detail: { list: 2 } })]);
    // List 3's Token Status List write fails: its revocation list, written last, is not written either.
    const losing = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'putPublishedList'
          ? async (p: { purpose: string }) => (p.purpose === 'token' ? Promise.reject(new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable')) : target.putPublishedList(p as never))
          : Reflect.get(target, name, receiver),
    });
    await expect(rollover({ ...deps, store: losing }, (await env.store.getSchool(school.uai))!, 2)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await env.store.getPublishedList(school.uai, 3, 'revocation')).toBeUndefined();
    await issueCredential(deps, { school: (await env.store.getSchool(school.uai))!, actor: 'school:test', request: issueRequest('EnrollmentCredential') });
    expect((await created()).map((e) => e.detail)).toEqual([{ list: 2 }, { list: 3 }]);
  });

  it('audits a new list once when two requests publish it together (an operator moving the school, an issuance reading the moved record)', async () => {
    deps.now.value = new Date('2026-11-22T10:00:00Z');
    const { school } = await schoolWithToken(deps, '0330034');
    await env.store.advanceList(school.uai, 1);
    const moved = (await env.store.getSchool(school.uai))!;
    await Promise.all([publishAudited(deps, moved, 2, 'operator:test'), publishAudited(deps, moved, 2, 'attesto'), publishAudited(deps, moved, 2, 'attesto')]);
    const events = (await readAudit(deps, { reader: 'operator', uai: school.uai })).events.filter((e) => e.action === 'status-list.created');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toEqual({ list: 2 });
  });

  it('refuses a UAI that is not valid, or a school that is not registered', async () => {
    await expect(startNextStatusList(deps, { uai: '0330031A', actor: 'operator:test' })).rejects.toMatchObject({ code: 'INVALID_UAI' });
    await expect(startNextStatusList(deps, { uai: uai('0330032'), actor: 'operator:test' })).rejects.toMatchObject({ code: 'UNKNOWN_SCHOOL' });
  });
});
