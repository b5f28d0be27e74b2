/**
 * A write that landed and whose answer was lost. The SDK sends a request again when its answer
 * times out (1 s), and the second attempt of a conditional write then meets the state the first
 * made: its condition fails. That is this very write in force, not a conflict, and is answered so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lambdas/adapters/dynamo/dynamo-store';
import { DynamoWalletStore } from '../../lambdas/adapters/dynamo/wallet-store';
import { decodeCompactJws } from '../../lambdas/core/verify/jws';
import { AttestoError } from '../../lambdas/core/errors';
import { createOffer, PIN_ATTEMPTS } from '../../lambdas/core/oid4vci/create-offer';
import { PRE_AUTHORIZED_GRANT } from '../../lambdas/core/oid4vci/metadata';
import { lookupHash } from '../../lambdas/core/oid4vci/sealing';
import { exchangePreAuthorizedCode } from '../../lambdas/core/oid4vci/token';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { registerSchool } from '../../lambdas/core/use-cases/register-school';
import { rotateKey } from '../../lambdas/core/use-cases/rotate-key';
import { newSchoolClient, revokeSchoolClient } from '../../lambdas/core/use-cases/school-client';
import { cognitoStandIn, coreDeps, schoolWithToken, uai } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { auditDown, losingAnswers, startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
beforeAll(async () => {
  env = await startStore();
});
afterAll(() => env.close());

/** The store, where the first write `match` picks loses its answer. */
const storeLosing = (match: Parameters<typeof losingAnswers>[1]) => new DynamoStore(losingAnswers(env.db, match), 'attesto');
const actions = async (u: string) => (await readAudit(coreDeps(env.store), { uai: u, reader: 'operator', limit: 500 })).events.map((e) => e.action);


describe('a write whose answer was lost is this write, in force', () => {
  it('key rotation: the school holds the new key, so the rotation is done: lists signed again with it, audited, nothing to delete', async () => {
    const base = coreDeps(env.store);
    const { uai: u, did } = await schoolWithToken(base, '0751001');
    const store = storeLosing((input, command) => command === 'UpdateCommand' && String(input.ConditionExpression).startsWith('kid = :expected'));
    const rotated = await rotateKey({ ...base, store }, { uai: u, actor: 'operator:test', compromised: true });
    expect(rotated).toMatchObject({ kid: `${did}#key-2`, compromised: true, replayed: false });
    expect(rotated).not.toHaveProperty('warnings');
    const school = (await env.store.getSchool(u))!;
    expect(school.kid).toBe(`${did}#key-2`);
    // Lists signed by the dropped key would fail every status check: they are signed by the new one.
    expect(decodeCompactJws((await env.store.getPublishedList(u, 1, 'revocation'))!.jwt).header.kid).toBe(`${did}#key-2`);
    expect(await actions(u)).toContain('key.rotated');
  });

  it('registration: the school was stored, so it is registered: its client kept, its secret shown', async () => {
    const clients = cognitoStandIn();
    const deps = { ...coreDeps(env.store), schoolClients: clients, store: storeLosing((input, command) => command === 'PutCommand' && String((input.Item as { pk?: string }).pk).startsWith('SCHOOL#')) };
    const registered = await registerSchool(deps, { uai: uai('0751002'), name: 'École 0751002', actor: 'operator:test' });
    expect(registered.oauthClient?.clientSecret).toBe('secret');
    expect(registered).not.toHaveProperty('warnings');
    expect((await env.store.getSchool(registered.uai))!.clientId).toBe(registered.oauthClient!.clientId);
    expect(clients.removed).toEqual([]);
    expect(await env.store.getSchoolByClientId(registered.oauthClient!.clientId)).toMatchObject({ uai: registered.uai });
  });

  it("registration: the client's pointer was stored, so the client is this school's", async () => {
    const clients = cognitoStandIn();
    const deps = { ...coreDeps(env.store), schoolClients: clients, store: storeLosing((input, command) => command === 'PutCommand' && String((input.Item as { pk?: string }).pk).startsWith('CLIENT#')) };
    const registered = await registerSchool(deps, { uai: uai('0751003'), name: 'École 0751003', actor: 'operator:test' });
    expect(await env.store.getSchoolByClientId(registered.oauthClient!.clientId)).toMatchObject({ uai: registered.uai });
    expect(clients.removed).toEqual([]);
  });

  it('revoke-client: the client was unlinked, so it is revoked: audited, and deleted in Cognito', async () => {
    const clients = cognitoStandIn();
    const base = { ...coreDeps(env.store), schoolClients: clients };
    const registered = await registerSchool(base, { uai: uai('0751004'), name: 'École 0751004', actor: 'operator:test' });
    const clientId = registered.oauthClient!.clientId;
    const store = storeLosing((input, command) => command === 'UpdateCommand' && input.UpdateExpression === 'REMOVE clientId');
    expect(await revokeSchoolClient({ ...base, store }, { uai: registered.uai, actor: 'operator:test' })).toEqual({ uai: registered.uai, revokedClientId: clientId });
    expect(clients.removed).toEqual([clientId]);
    expect(await actions(registered.uai)).toContain('school.client-revoked');
    expect(await env.store.getSchoolByClientId(clientId)).toBeUndefined();
  });

  it('new-client: the pointer or the link was stored, so the school has its new client, shown once and kept', async () => {
    const clients = cognitoStandIn();
    const base = { ...coreDeps(env.store), schoolClients: clients };
    const registered = await registerSchool(base, { uai: uai('0751005'), name: 'École 0751005', actor: 'operator:test' });
    for (const match of [
      (input: Record<string, unknown>, command: string) => command === 'PutCommand' && String((input.Item as { pk?: string }).pk).startsWith('CLIENT#'),
      (input: Record<string, unknown>, command: string) => command === 'UpdateCommand' && input.UpdateExpression === 'SET clientId = :c',
    ]) {
      await revokeSchoolClient(base, { uai: registered.uai, actor: 'operator:test' });
      const removed = clients.removed.length;
      const made = await newSchoolClient({ ...base, store: storeLosing(match) }, { uai: registered.uai, actor: 'operator:test' });
      expect(made).toEqual({ uai: registered.uai, oauthClient: expect.objectContaining({ clientSecret: 'secret' }) });
      expect(clients.removed).toHaveLength(removed);
      expect(await env.store.getSchoolByClientId(made.oauthClient.clientId)).toMatchObject({ uai: registered.uai });
    }
  });
});

describe('a PIN attempt is paid once', () => {
  async function pinOffer(digits: string) {
    const deps = { ...coreDeps(env.store), wallet: new DynamoWalletStore(env.db, 'attesto') };
    const { school } = await schoolWithToken(deps, digits);
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: true });
    const code = offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'];
    const form = (pin: string) => ({ grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': code, tx_code: pin });
    return { deps, school, hash: lookupHash(code), right: form(offer.txCode!), wrong: form(offer.txCode === '000000' ? '111111' : '000000') };
  }
  const spendLosing = () => new DynamoWalletStore(losingAnswers(env.db, (input, command) => command === 'UpdateCommand' && /^SET attemptsLeft = (:next|attemptsLeft - )/.test(String(input.UpdateExpression))), 'attesto');

  it('the right PIN on the last attempt, its spend landed and its answer lost, gets its token', async () => {
    const { deps, hash, right, wrong } = await pinOffer('0751006');
    for (let i = 0; i < PIN_ATTEMPTS - 1; i++) await expect(exchangePreAuthorizedCode(deps, wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    const token = await exchangePreAuthorizedCode({ ...deps, wallet: spendLosing() }, right);
    expect(token.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await deps.wallet.getOffer(hash)).toMatchObject({ state: 'redeemed', attemptsLeft: 0 });
  });

  it('a wrong PIN whose answer was lost costs one attempt, not two', async () => {
    const { deps, hash, wrong } = await pinOffer('0751007');
    await expect(exchangePreAuthorizedCode({ ...deps, wallet: spendLosing() }, wrong)).rejects.toMatchObject({ error: 'invalid_grant', message: `wrong code (${PIN_ATTEMPTS - 1} attempts left)` });
    expect(await deps.wallet.getOffer(hash)).toMatchObject({ attemptsLeft: PIN_ATTEMPTS - 1 });
  });

  it('the last wrong PIN, its answer lost, exhausts the offer all the same: marked, its data gone, audited once', async () => {
    const { deps, school, hash, wrong } = await pinOffer('0751009');
    for (let i = 0; i < PIN_ATTEMPTS - 1; i++) await expect(exchangePreAuthorizedCode(deps, wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(exchangePreAuthorizedCode({ ...deps, wallet: spendLosing() }, wrong)).rejects.toMatchObject({ error: 'invalid_grant', message: 'too many wrong codes: ask your school for a new offer' });
    const offer = await deps.wallet.getOffer(hash);
    expect(offer).toMatchObject({ state: 'offered', attemptsLeft: 0, exhaustedAt: expect.any(String) });
    expect(offer).not.toHaveProperty('sealed');
    expect((await actions(school.uai)).filter((a) => a === 'offer.exhausted')).toHaveLength(1);
  });

  it('the last wrong PIN exhausts the offer in the same write: its data goes, and the retry of a failed audit records it', async () => {
    const { deps, school, hash, wrong, right } = await pinOffer('0751008');
    for (let i = 0; i < PIN_ATTEMPTS - 1; i++) await expect(exchangePreAuthorizedCode(deps, wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(exchangePreAuthorizedCode({ ...deps, store: auditDown(env.store) }, wrong)).rejects.toBeInstanceOf(AttestoError);
    const offer = await deps.wallet.getOffer(hash);
    expect(offer).toMatchObject({ state: 'offered', attemptsLeft: 0, exhaustedAt: expect.any(String) });
    expect(offer).not.toHaveProperty('sealed');
    expect(await actions(school.uai)).not.toContain('offer.exhausted');
    // The wallet's retry (or anyone's next try, right PIN included) writes the event; nothing redeems the offer.
    await expect(exchangePreAuthorizedCode(deps, right)).rejects.toMatchObject({ error: 'invalid_grant', message: 'too many wrong codes: ask your school for a new offer' });
    expect((await actions(school.uai)).filter((a) => a === 'offer.exhausted')).toHaveLength(1);
  });
});
