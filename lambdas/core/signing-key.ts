/**
 * Which of a school's keys signs. A routine rotation publishes the new key in the school's DID
 * document first and signs with it only from `activeFrom`: by then every copy of the document
 * cached under its `max-age` lists it, so no verifier meets a credential signed by a key it has
 * not seen. A compromise switches at once.
 */
import type { SchoolRecord } from './records';

/** How long DID documents may be cached (their `Cache-Control: max-age`), seconds. */
export const DID_DOCUMENT_MAX_AGE_SECONDS = 300;

export interface SigningKey {
  kid: string;
  keyRef: string;
}

/** The key the school signs with at `now`. */
export function signingKey(school: Pick<SchoolRecord, 'kid' | 'keyRef' | 'nextKey'>, now: Date): SigningKey {
  const next = school.nextKey;
  if (next && Date.parse(next.activeFrom) <= now.getTime()) return { kid: next.kid, keyRef: next.keyRef };
  return { kid: school.kid, keyRef: school.keyRef };
}
