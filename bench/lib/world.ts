/**
 * An in-process attesto for benchmarks: the real core, the real verifier sources and local P-256
 * keys, over an in-memory store.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeys } from '../../lambdas/adapters/local-keys';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import type { OperatorDeps } from '../../lambdas/core/deps';
import type { IssueRequest } from '../../lambdas/core/requests';
import { uaiCheckLetter } from '../../lambdas/core/uai';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { registerSchool } from '../../lambdas/core/use-cases/register-school';
import { MemoryStore } from './memory-store';

export const PUBLIC_URL = 'https://attesto.bench';
export const NOW = new Date('2026-11-22T10:00:00Z');

export const diplomaRequest = (n = 0): IssueRequest => ({
  credential: {
    type: ['VerifiableCredential', 'DiplomaCredential'],
    credentialSubject: {
      student: { givenName: `Camille${n}`, familyName: 'Martin', birthDate: '2008-03-14', studentId: '123456789AB' },
      title: 'Baccalauréat général',
      level: { eqf: 4, rncp: 'RNCP35185' },
      specialty: 'Mathématiques, Physique-Chimie',
      honours: 'Très bien',
      awardDate: '2026-07-04',
      awardingBody: { name: 'Académie de Paris', id: 'https://www.ac-paris.fr' },
    },
  },
  options: { format: 'jwt_vc' },
});

export async function inProcessWorld(listSize = 131_072) {
  const store = new MemoryStore();
  const keys = new LocalKeys(join(mkdtempSync(join(tmpdir(), 'attesto-bench-keys-')), 'keys'));
  const deps: OperatorDeps = {
    store,
    signer: keys,
    keys,
    clock: () => NOW,
    randomInt: (max) => randomInt(max),
    randomToken: (n) => randomBytes(n).toString('base64url'),
    publicUrl: PUBLIC_URL,
    listSize,
  };
  const uai = `0750001${uaiCheckLetter('0750001')}`;
  await registerSchool(deps, { uai, name: 'Lycée du banc d’essai', actor: 'bench' });
  const school = (await store.getSchool(uai))!;
  const verify = verifySources({ store, publicUrl: PUBLIC_URL, clock: () => NOW, maxClockSkewSeconds: 60, schoolCacheMs: 60_000 });
  const issued = await issueCredential(deps, { school, actor: 'bench', request: diplomaRequest() });
  return { store, keys, deps, school, verify, jws: issued.verifiableCredential as string };
}
