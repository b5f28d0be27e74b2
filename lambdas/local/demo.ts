/** The demo school registered on first start, so the local home can be tried at once. */
import { DEFAULT_TIME_ZONE, localDate } from '../core/time-zone';
import type { AppDeps } from '../composition';
import { registerSchool } from '../core/use-cases/register-school';
import { uaiCheckLetter } from '../core/uai';
import { paths, readJsonFile, writePrivateJson } from './data-dir';

export const DEMO_UAI = `0750001${uaiCheckLetter('0750001')}`;

export interface DemoSchool {
  uai: string;
  name: string;
  did: string;
  token: string;
  url: string;
  try: Record<string, string>;
}

export async function ensureDemoSchool(deps: AppDeps, dataDir: string, url: string): Promise<DemoSchool> {
  const file = paths(dataDir).demo;
  const saved = readJsonFile<DemoSchool>(file);
  if (saved && (await deps.store.getSchool(saved.uai))) {
    const refreshed = { ...saved, url, try: examples(url, saved.token) };
    writePrivateJson(file, refreshed);
    return refreshed;
  }
  const school = await registerSchool(deps.core, { uai: DEMO_UAI, name: 'Lycée de démonstration attesto', actor: 'local-home' });
  if (!school.token) throw new Error('the local home authenticates schools with API tokens (ATTESTO_SCHOOL_AUTH=token)');
  const demo = { ...school, token: school.token, url, try: examples(url, school.token) };
  writePrivateJson(file, demo);
  return demo;
}

/**
 * The school year of the example: the one in progress until its last day (4 July, the example's
 * end date and so its credential's end of validity), then the coming one, so the example is
 * always valid on the day it is printed.
 */
export function exampleSchoolYear(now: Date) {
  // The demo school's own date (its zone is the default): its year ends with its 4 July.
  const today = localDate(now, DEFAULT_TIME_ZONE);
  const y = Number(today.slice(0, 4));
  const first = today >= `${y}-07-05` ? y : y - 1;
  return { academicYear: `${first}-${first + 1}`, startDate: `${first}-09-01`, endDate: `${first + 1}-07-04` };
}

function examples(url: string, token: string, now = new Date()): Record<string, string> {
  const issue = JSON.stringify({
    credential: {
      type: ['VerifiableCredential', 'EnrollmentCredential'],
      credentialSubject: {
        student: { givenName: 'Camille', familyName: 'Martin', birthDate: '2008-03-14' },
        level: 'Terminale',
        ...exampleSchoolYear(now),
      },
    },
  });
  const sdJwt = JSON.stringify({ ...JSON.parse(issue), options: { format: 'dc+sd-jwt' } });
  return {
    issue: `curl -s -X POST ${url}/credentials/issue -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '${issue}'`,
    issueSdJwt: `curl -s -X POST ${url}/credentials/issue -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '${sdJwt}'`,
    verify: `curl -s -X POST ${url}/credentials/verify -H 'content-type: application/json' -d '{"verifiableCredential":"<jwt>"}'`,
    revoke: `curl -s -X POST ${url}/credentials/status -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"credentialId":"<credentialId>","credentialStatus":[{"type":"BitstringStatusListEntry","statusPurpose":"revocation","status":true}]}'`,
  };
}
