/**
 * Proof that a request came through attesto's CloudFront distribution, and so through its WAF:
 * CloudFront adds a secret header to every request it sends the API (`x-attesto-origin`), and the
 * gateway's authorizers let a request through only with it. An HTTP API cannot have a WAF of its
 * own, and its default `execute-api` address stays reachable from the internet; without this, a
 * client calling that address directly would skip the WAF's per-IP limits and CloudFront's cache.
 *
 * Two values are accepted, the current and the previous one, so that the secret can be rotated
 * without refusing the requests of edges still sending the old one. Gateway code, so it lives
 * with the infrastructure's handlers; it imports nothing of the application.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The header CloudFront adds (lower case: API Gateway HTTP APIs pass header names so). */
export const ORIGIN_HEADER = 'x-attesto-origin';

/** Shortest secret accepted: a guessable one would prove nothing. */
const MIN_SECRET_LENGTH = 32;

/** The origin secrets from the environment the stack sets, checked at cold start. */
export function originSecrets(env: Record<string, string | undefined>): string[] {
  const current = env.ATTESTO_ORIGIN_SECRET;
  if (!current || current.length < MIN_SECRET_LENGTH) throw new Error(`ATTESTO_ORIGIN_SECRET must be set, at least ${MIN_SECRET_LENGTH} characters`);
  // The previous value, kept while a rotation reaches every edge; anything shorter means none
  // (the secret starts with an empty one).
  const previous = env.ATTESTO_ORIGIN_SECRET_PREVIOUS;
  return previous && previous.length >= MIN_SECRET_LENGTH ? [current, previous] : [current];
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Does the header hold one of the secrets? Compared in constant time (as digests: any length). */
export function throughOrigin(header: string | undefined, secrets: readonly string[]): boolean {
  if (header === undefined || header === '') return false;
  const presented = digest(header);
  let match = false;
  for (const secret of secrets) match = timingSafeEqual(presented, digest(secret)) || match;
  return match;
}
