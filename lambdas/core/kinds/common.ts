import { zonedDateTime } from '../time-zone';

/**
 * A school date (YYYY-MM-DD) as the instant Open Badges 3.0's DateTime properties need: its first
 * and its last second on the school's clock, with its offset (https://www.imsglobal.org/spec/ob/v3p0/#datetime;
 * ../time-zone.ts).
 */
export const startOfDay = (date: string, timeZone: string) => zonedDateTime(date, '00:00:00', timeZone);
export const endOfDay = (date: string, timeZone: string) => zonedDateTime(date, '23:59:59', timeZone, 'last');

/**
 * Who an Open Badges achievement was awarded to, when the credential names no holder DID (OB 3.0
 * B.1.3: "Either id or at least one identifier MUST be supplied"), and for wallets that show the
 * recipient's name from it: an IdentityObject of the student's name (B.1.12), in clear, as the
 * credential's `student` already shows it.
 */
export const recipientIdentifier = (student: { givenName: string; familyName: string }) => [
  { type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: `${student.givenName} ${student.familyName}` },
];

/** What a kind builder gets besides the input: the issuing school. */
export interface SubjectContext {
  school: { did: string; uai: string; name: string; timeZone: string };
}
