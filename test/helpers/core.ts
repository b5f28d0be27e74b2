/** Core dependencies for use-case tests: real store (dynalite), real local keys, injected clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { LocalKeys } from '../../lambdas/adapters/local-keys';
import type { OperatorDeps, SchoolClientRegistry } from '../../lambdas/core/deps';
import type { Store } from '../../lambdas/core/store';
import { registerSchool } from '../../lambdas/core/use-cases/register-school';
import { uaiCheckLetter } from '../../lambdas/core/uai';
import { NOW } from './fixtures';

export const PUBLIC_URL = 'https://attesto.test';

export function coreDeps(store: Store, overrides: Partial<OperatorDeps> = {}): OperatorDeps & { now: { value: Date } } {
  const keys = new LocalKeys(join(mkdtempSync(join(tmpdir(), 'attesto-keys-')), 'keys'));
  const now = { value: NOW };
  return {
    store,
    signer: keys,
    keys,
    clock: () => now.value,
    randomInt: (max) => randomInt(max),
    randomToken: (n) => randomBytes(n).toString('base64url'),
    publicUrl: PUBLIC_URL,
    listSize: 131_072,
    now,
    ...overrides,
  };
}

/** A valid UAI from 7 digits. */
export const uai = (digits: string) => `${digits}${uaiCheckLetter(digits)}`;

export async function schoolWithToken(deps: OperatorDeps, digits: string, name = `École ${digits}`) {
  const registered = await registerSchool(deps, { uai: uai(digits), name, actor: 'test' });
  const school = (await deps.store.getSchool(registered.uai))!;
  return { ...registered, school };
}

/** A Cognito stand-in for the operator's use cases: numbered app clients, and the ones deleted. */
export function cognitoStandIn(): SchoolClientRegistry & { removed: string[] } {
  let made = 0;
  const removed: string[] = [];
  return {
    removed,
    create: async (uai) => ({ clientId: `client-${uai}-${++made}-${randomBytes(3).toString('hex')}`, clientSecret: 'secret', scopes: ['attesto/issueCredential'] }),
    remove: async (id) => void removed.push(id),
  };
}
