/**
 * A credential names its school in more places than its issuer: an enrolment's
 * `credentialSubject.school` (DID and UAI), a transcript's `achievement.creator` (the Open Badges
 * profile of the school that graded), and attesto's credential ids (`urn:attesto:<uai>:…`). Each
 * must be its issuer. Otherwise school B's genuine signature over a credential that says it is
 * school A's would verify, and a reader who looks at the claims rather than at `issuer` would take
 * it for A's. (A diploma's `achievement.creator` is its awarding body, which may be another.)
 */
import type { CredentialKind } from '../records';
import { isObject, shown } from '../json';

/** What, if anything, the claims say of a school other than `issuer`: a message naming where. */
export function otherSchoolNamed(claims: { id?: unknown; subject: unknown }, kind: CredentialKind | undefined, issuer: { did: string; uai: string }): string | undefined {
  const subject = isObject(claims.subject) ? claims.subject : {};
  const differs = (value: unknown, expected: string) => value !== undefined && value !== expected;
  const school = subject.school;
  if (kind === 'EnrollmentCredential' && isObject(school)) {
    if (differs(school.id, issuer.did)) return `the enrolment names the school ${shown(school.id)}, not its issuer ${issuer.did}`;
    if (differs(school.uai, issuer.uai)) return `the enrolment names the school ${shown(school.uai)}, not its issuer ${issuer.uai}`;
  }
  const achievement = subject.achievement;
  if (kind === 'TranscriptCredential' && isObject(achievement) && isObject(achievement.creator) && differs(achievement.creator.id, issuer.did)) {
    return `the transcript is graded by ${shown(achievement.creator.id)}, not by its issuer ${issuer.did}`;
  }
  const id = typeof claims.id === 'string' ? /^urn:attesto:([^:]*):/.exec(claims.id) : null;
  if (id && id[1] !== issuer.uai) return `the credential id ${shown(claims.id)} is another school's (${shown(id[1])}), not its issuer's ${issuer.uai}`;
  return undefined;
}
