import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// canonicalize ships CommonJS; under ESM interop the function can sit on `.default`.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ?? canonicalizeModule) as (v: unknown) => string | undefined;

/** SHA-256 (base64url) of a text, as a lookup key that does not keep the text. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** SHA-256 (base64url) of the JSON Canonicalization Scheme (RFC 8785) form of a value. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalize(value) ?? '').digest('base64url');
}
