/**
 * Cutting a school's access at once (after a compromise of its app client secret), and giving it
 * a new client: attesto accepts a client only while the school's record names it, so its tokens,
 * still valid for up to an hour at Cognito, authenticate no one from the next request on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSchool } from '../../lambdas/core/use-cases/register-school';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { newSchoolClient, revokeSchoolClient } from '../../lambdas/core/use-cases/school-client';
import { cognitoStandIn, coreDeps, uai } from '../helpers/core';
import { auditDown, startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
});
afterAll(() => env.close());

describe("revoking a school's app client", () => {
  it('refuses its tokens from the next request on, deletes it in Cognito, and is audited; a new client then works, the old one never again', async () => {
    const schoolClients = cognitoStandIn();
    const operator = { ...deps, schoolClients };
    const registered = await registerSchool(operator, { uai: uai('0330041'), name: 'Lycée Révoqué', actor: 'operator:test' });
    const first = registered.oauthClient!.clientId;
    expect(await env.store.getSchoolByClientId(first)).toMatchObject({ uai: registered.uai });

    expect(await revokeSchoolClient(operator, { uai: registered.uai, actor: 'operator:oncall' })).toEqual({ uai: registered.uai, revokedClientId: first });
    expect(await env.store.getSchoolByClientId(first)).toBeUndefined();
    expect(schoolClients.removed).toEqual([first]);

    const renewed = await newSchoolClient(operator, { uai: registered.uai, actor: 'operator:oncall' });
    expect(renewed.oauthClient).toMatchObject({ clientId: expect.not.stringMatching(first), clientSecret: 'secret' });
    expect(await env.store.getSchoolByClientId(renewed.oauthClient.clientId)).toMatchObject({ uai: registered.uai });
    expect(await env.store.getSchoolByClientId(first)).toBeUndefined();

    const events = (await readAudit(deps, { reader: 'operator', uai: registered.uai })).events.filter((e) => e.action.startsWith('school.client-'));
    // (Of the same second here: the clock is frozen, and events of one second are in no set order.)
    expect(events).toHaveLength(2);
    expect(events.map((e) => [e.action, e.actor, e.detail])).toEqual(
      expect.arrayContaining([
        ['school.client-revoked', 'operator:oncall', { clientId: first }],
        ['school.client-created', 'operator:oncall', { clientId: renewed.oauthClient.clientId }],
      ]),
    );
  });

  it('refuses what would not do what the operator thinks: no client to revoke, a new client beside a live one, clients where schools use API tokens', async () => {
    const schoolClients = cognitoStandIn();
    const tokenSchool = await registerSchool(deps, { uai: uai('0330042'), name: 'Lycée Jeton', actor: 'operator:test' });
    await expect(revokeSchoolClient(deps, { uai: tokenSchool.uai, actor: 'operator:test' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('rotate-token') });
    await expect(newSchoolClient(deps, { uai: tokenSchool.uai, actor: 'operator:test' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    const oauthSchool = await registerSchool({ ...deps, schoolClients }, { uai: uai('0330043'), name: 'Lycée Client', actor: 'operator:test' });
    await expect(newSchoolClient({ ...deps, schoolClients }, { uai: oauthSchool.uai, actor: 'operator:test' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('revoke it first') });
    expect(await env.store.getSchoolByClientId(oauthSchool.oauthClient!.clientId)).toMatchObject({ uai: oauthSchool.uai });

    await expect(revokeSchoolClient(deps, { uai: '0330043A', actor: 'operator:test' })).rejects.toMatchObject({ code: 'INVALID_UAI' });
    await expect(revokeSchoolClient(deps, { uai: uai('0330049'), actor: 'operator:test' })).rejects.toMatchObject({ code: 'UNKNOWN_SCHOOL' });
  });

  it('is done even when its audit write fails, and says so rather than invite a retry', async () => {
    const schoolClients = cognitoStandIn();
    const registered = await registerSchool({ ...deps, schoolClients }, { uai: uai('0330044'), name: 'Lycée Panne', actor: 'operator:test' });
    const revoked = await revokeSchoolClient({ ...deps, schoolClients, store: auditDown(env.store) }, { uai: registered.uai, actor: 'operator:test' });
    expect(revoked.warnings).toEqual([expect.stringContaining('school.client-revoked')]);
    expect(await env.store.getSchoolByClientId(registered.oauthClient!.clientId)).toBeUndefined();
  });
});
