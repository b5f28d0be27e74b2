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

/**
 * What, if anything, the claims say of a school other than `issuer`: a message naming where. Fails
 * closed: where a claim names a school in a shape attesto never signs (a list of schools, a bare
 * string), it names no school that can be checked, and is refused as such.
 */
export function otherSchoolNamed(claims: { ids: unknown[]; subject: unknown }, kind: CredentialKind | undefined, issuer: { did: string; uai: string }): string | undefined {
  const subject = isObject(claims.subject) ? claims.subject : {};
  const differs = (value: unknown, expected: string) => value !== undefined && value !== expected;
  const school = subject.school;
  if (kind === 'EnrollmentCredential' && school !== undefined) {
    if (!isObject(school)) return `the enrolment names its school as ${shown(school)}, not as its issuer ${issuer.did}`;
    if (differs(school.id, issuer.did)) return `the enrolment names the school ${shown(school.id)}, not its issuer ${issuer.did}`;
    if (differs(school.uai, issuer.uai)) return `the enrolment names the school ${shown(school.uai)}, not its issuer ${issuer.uai}`;
  }
  const achievement = subject.achievement;
  if (kind === 'TranscriptCredential' && achievement !== undefined) {
    const creator = isObject(achievement) ? achievement.creator : achievement;
    if (creator !== undefined && !(isObject(creator) && !differs(creator.id, issuer.did))) {
      return `the transcript is graded by ${shown(isObject(creator) ? creator.id : creator)}, not by its issuer ${issuer.did}`;
    }
  }
  // attesto's ids, however spelt (the scheme is case-insensitive, RFC 8141 §3.1): this school's, or none.
  const own = `urn:attesto:${issuer.uai}:`;
  for (const id of claims.ids) {
    if (typeof id === 'string' && /^urn:attesto:/i.test(id) && !id.startsWith(own)) return `the credential id ${shown(id)} is not one of its issuer's (${own}…)`;
  }
  return undefined;
}
