/** An operator sets the time zone of a school registered without its own: its credentials' dates from then on. */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { setSchoolTimeZone } from '../../lambdas/core/use-cases/set-time-zone';
import { coreDeps, schoolWithToken, uai } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
});
afterAll(() => env.close());

const activityEnd = async (uai: string) => {
  const school = (await env.store.getSchool(uai))!;
  const r = await issueCredential(deps, { school, actor: 't', request: issueRequest('TranscriptCredential') });
  return (decodeJwt(r.verifiableCredential as string).vc as { credentialSubject: { activityEndDate: string } }).credentialSubject.activityEndDate;
};

describe("setting a school's time zone", () => {
  it('dates its credentials from then on in the new zone, and is audited with the zone it replaces', async () => {
    const { uai: school } = await schoolWithToken(deps, '9720001');
    expect(await activityEnd(school)).toBe('2027-01-31T23:59:59+01:00');
    expect(await setSchoolTimeZone(deps, { uai: school, timeZone: 'america/martinique', actor: 'operator:test' })).toEqual({ uai: school, timeZone: 'America/Martinique', previous: 'Europe/Paris' });
    expect(await activityEnd(school)).toBe('2027-01-31T23:59:59-04:00');
    const { events } = await readAudit(deps, { reader: 'operator', uai: school });
    expect(events.find((e) => e.action === 'school.time-zone-set')).toMatchObject({ actor: 'operator:test', detail: { timeZone: 'America/Martinique', previous: 'Europe/Paris' } });
  });

  it('leaves a replay as it was first issued: an Idempotency-Key replay after the change keeps its dates', async () => {
    const { uai: school } = await schoolWithToken(deps, '9720003');
    const request = issueRequest('TranscriptCredential');
    const issue = async () => issueCredential(deps, { school: (await env.store.getSchool(school))!, actor: 't', request, idempotencyKey: 'zone-replay-0001' });
    const first = await issue();
    await setSchoolTimeZone(deps, { uai: school, timeZone: 'America/Martinique', actor: 'operator:test' });
    const replay = await issue();
    expect(replay).toMatchObject({ replayed: true, credentialId: first.credentialId });
    expect(decodeJwt(replay.verifiableCredential as string)).toEqual(decodeJwt(first.verifiableCredential as string));
    expect(await activityEnd(school)).toBe('2027-01-31T23:59:59-04:00');
  });

  it('refuses an unknown zone, a malformed UAI and a school not registered, changing nothing', async () => {
    const { uai: school } = await schoolWithToken(deps, '9720002');
    await expect(setSchoolTimeZone(deps, { uai: school, timeZone: 'EST', actor: 'operator:test' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(setSchoolTimeZone(deps, { uai: 'not-a-uai', timeZone: 'Europe/Paris', actor: 'operator:test' })).rejects.toMatchObject({ code: 'INVALID_UAI' });
    await expect(setSchoolTimeZone(deps, { uai: uai('0990001'), timeZone: 'Europe/Paris', actor: 'operator:test' })).rejects.toMatchObject({ code: 'UNKNOWN_SCHOOL' });
    // Nor is a school made by a write racing its deletion: the store's own condition.
    await expect(env.store.setTimeZone(uai('0990001'), 'Europe/Paris')).rejects.toMatchObject({ code: 'UNKNOWN_SCHOOL' });
    expect((await env.store.getSchool(school))!.timeZone).toBe('Europe/Paris');
    expect(await env.store.getSchool(uai('0990001'))).toBeUndefined();
  });
});
