/** Registering a school when something fails halfway: the operator never loses the school's secret or a key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestoError } from '../../lambdas/core/errors';
import * as validate from '../../lambdas/core/generated/validators';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { hashToken, registerSchool, rotateToken } from '../../lambdas/core/use-cases/register-school';
import { republishStatusLists } from '../../lambdas/core/use-cases/republish-status-lists';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { revokeSchoolClient } from '../../lambdas/core/use-cases/school-client';
import { coreDeps, uai } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { auditDown, startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
});
afterAll(() => env.close());

/** The refusal a registration ends with (it must end with one). */
const refusal = (p: Promise<unknown>) => p.then(() => expect.unreachable('the registration should fail') as never, (e: AttestoError) => e);

const unavailable = (code: 'SIGNER_UNAVAILABLE' | 'IDENTITY_UNAVAILABLE', what: string) => async (): Promise<never> => Promise.reject(new AttestoError(code, `the ${what} is unavailable; retry`, { retryAfter: 1 }));

describe('registering a school', () => {
  it('keeps its name as NFC text, as every credential of the school will carry it', async () => {
    const registered = await registerSchool(deps, { uai: uai('0440011'), name: 'Lyce\u0301e Ge\u0301rard de Nerval', actor: 'operator:test' });
    expect((await env.store.getSchool(registered.uai))!.name).toBe('Lyc\u00E9e G\u00E9rard de Nerval');
  });

  it('registers it and shows its token even when its first status lists cannot be signed yet; the first issuance publishes them', async () => {
    const registered = await registerSchool({ ...deps, signer: { sign: unavailable('SIGNER_UNAVAILABLE', 'signing service') } }, { uai: uai('0440001'), name: 'Lycée Clemenceau', actor: 'operator:test' });
    expect(registered.token).toMatch(/^atst_0440001/);
    expect(registered.warnings).toEqual(["the first status lists could not be signed yet (the signing service is unavailable; retry): the school's first issuance publishes them"]);
    const school = (await env.store.getSchool(registered.uai))!;
    expect(await env.store.getPublishedList(school.uai, 1, 'revocation')).toBeUndefined();
    await issueCredential(deps, { school, actor: 'school:test', request: issueRequest() });
    expect(await env.store.getPublishedList(school.uai, 1, 'revocation')).toBeDefined();
  });

  it('shows the secret of a school it registered even if the audit write then fails, with a warning', async () => {
    const failingAudit = auditDown(env.store);
    const registered = await registerSchool({ ...deps, store: failingAudit }, { uai: uai('0440004'), name: 'Lycée Livet', actor: 'operator:test' });
    expect(registered.token).toMatch(/^atst_0440004/);
    expect(registered.warnings).toEqual(["the registration's audit events could not be written (storage is unavailable (audit); retry): run `attesto school republish-status-lists --uai 0440004R` (on AWS: POST /schools/0440004R/status-list-republications), which records them"]);
    // What the warning says: republishing records them, once however often it runs.
    await republishStatusLists(deps, { uai: registered.uai, actor: 'operator:test' });
    await republishStatusLists(deps, { uai: registered.uai, actor: 'operator:test' });
    const { events } = await readAudit(deps, { reader: 'operator', uai: registered.uai });
    expect(events.filter((e) => e.action !== 'status-list.republished').map((e) => [e.action, e.actor]).sort()).toEqual([
      ['key.created', 'operator:test'],
      ['school.registered', 'operator:test'],
    ]);
  });

  it('names the key it created when the identity service then fails', async () => {
    const schoolClients = { create: unavailable('IDENTITY_UNAVAILABLE', 'identity service'), remove: async () => undefined };
    const error = await refusal(registerSchool({ ...deps, schoolClients }, { uai: uai('0440002'), name: 'Lycée Guisthau', actor: 'operator:test' }));
    expect(error).toMatchObject({ code: 'IDENTITY_UNAVAILABLE', retryAfter: 1 });
    expect(error.message).toMatch(/^the identity service is unavailable; retry; the signing key created for this attempt \(local:[^)]+\) signs nothing: schedule its deletion$/);
    expect(await env.store.getSchool(uai('0440002'))).toBeUndefined();
  });

  it('names the key, and a client it could not remove, when the school was registered meanwhile', async () => {
    const digits = '0440003';
    const schoolClients = {
      create: async () => ({ clientId: 'client-late', clientSecret: 's', scopes: [] }),
      remove: unavailable('IDENTITY_UNAVAILABLE', 'identity service'),
    };
    // The other registration wins between our check and our write.
    const racing = new Proxy(env.store, {
      get: (target, name, receiver) =>
        name === 'createSchool'
          ? async (school: Parameters<typeof target.createSchool>[0]) => {
              await registerSchool(deps, { uai: school.uai, name: 'Winner', actor: 'operator:other' });
              return target.createSchool(school);
            }
          : Reflect.get(target, name, receiver),
    });
    const error = await refusal(registerSchool({ ...deps, store: racing, schoolClients }, { uai: uai(digits), name: 'Loser', actor: 'operator:test' }));
    expect(error).toMatchObject({ code: 'SCHOOL_EXISTS' });
    expect(error.message).toContain('; the signing key created for this attempt (local:');
    expect(error.message).toContain('; its app client client-late could not be removed: remove it by hand');
    expect((await env.store.getSchool(uai(digits)))?.name).toBe('Winner');
  });
});

describe('a school name', () => {
  it('is refused with control, bidirectional formatting or invisible characters, lone surrogates or line breaks: it is shown in DID documents, issuer metadata and every credential', async () => {
    // U+202E would show "Lycée prédé" reversed; a lone surrogate makes strict JSON parsers refuse every credential.
    const refused = ['A\u0000B', 'Lycée\n<script>', 'Lycée\u2028X', 'Lycée\u007F', 'Lycée\u009B31m', 'Lycée \u202Eedèrp', 'Lyc\uD800ée', 'Lycée\u200BHugo', 'Ly\uFEFFcée', 'Lycée\u{E0041}', 'Lycée\uFFFF', 'Lycée\u3164'];
    for (const name of refused) {
      await expect(registerSchool(deps, { uai: uai('0330022'), name, actor: 'test' }), JSON.stringify(name)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(validate.RegisterSchoolRequest({ uai: '0330022Y', name }), JSON.stringify(name)).toBe(false);
    }
    expect(await env.store.getSchool(uai('0330022'))).toBeUndefined();
    // Any script, and the joiners Persian and Indic names need.
    for (const name of ['Lycée Saint-Exupéry — Cité scolaire', 'دبیرستان\u200Cها', 'विद्या\u200Dलय']) expect(validate.RegisterSchoolRequest({ uai: '0330022Y', name }), name).toBe(true);
  });
});

describe('rotating a school token', () => {
  it('is refused for a school that authenticates with an OAuth2 app client (on AWS): the token would be accepted nowhere, and its old access would go on', async () => {
    const schoolClients = { create: async () => ({ clientId: 'client-oauth-1', clientSecret: 's', scopes: [] }), remove: async () => undefined };
    const registered = await registerSchool({ ...deps, schoolClients }, { uai: uai('0330023'), name: 'Lycée OAuth', actor: 'operator:test' });
    const before = (await env.store.getSchool(registered.uai))!.tokenHash;
    const error = await rotateToken(deps, { uai: registered.uai, actor: 'operator:test' }).catch((e: AttestoError) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('client-oauth-1') });
    expect((await env.store.getSchool(registered.uai))!.tokenHash).toBe(before);
    // Nor once its client is revoked: where schools have app clients, a token is accepted nowhere.
    await revokeSchoolClient({ ...deps, schoolClients }, { uai: registered.uai, actor: 'operator:test' });
    await expect(rotateToken({ ...deps, schoolClients }, { uai: registered.uai, actor: 'operator:test' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('new-client') });
    expect((await env.store.getSchool(registered.uai))!.tokenHash).toBe(before);
  });

  it('shows the new token even when the audit write then fails (the old one no longer works), and the event is written later, once', async () => {
    const registered = await registerSchool(deps, { uai: uai('0330021'), name: 'Lycée Token', actor: 'test' });
    const rotated = await rotateToken({ ...deps, store: auditDown(env.store) }, { uai: registered.uai, actor: 'operator:test' });
    expect(rotated.token).toMatch(/^atst_/);
    expect(rotated.token).not.toBe(registered.token);
    expect(rotated.warnings).toEqual([expect.stringContaining(`attesto school republish-status-lists --uai ${registered.uai}`)]);
    // The new token is the one that works.
    const school = (await env.store.getSchool(registered.uai))!;
    expect(school.tokenHash).toBe(hashToken(rotated.token));
    const events = async () => (await readAudit(deps, { reader: 'operator', uai: registered.uai })).events.filter((e) => e.action === 'school.token-rotated');
    expect(await events()).toEqual([]);
    await republishStatusLists(deps, { uai: registered.uai, actor: 'operator:test' });
    await republishStatusLists(deps, { uai: registered.uai, actor: 'operator:test' });
    expect(await events()).toEqual([{ uai: registered.uai, at: '2026-11-22T10:00:00Z', action: 'school.token-rotated', actor: 'operator:test' }]);
  });
});
