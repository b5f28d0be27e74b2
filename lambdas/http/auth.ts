/**
 * Authenticating callers. A school presents `Authorization: Bearer atst_<uai>_<secret>`; the
 * token names its school, whose record holds the token's SHA-256. Comparison is constant-time.
 * Every school-scoped request acts for exactly that one school.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { AttestoError } from '../core/errors';
import type { SchoolRecord } from '../core/records';
import type { Store } from '../core/store';

const TOKEN = /^atst_([0-9]{7}[A-Z])_[A-Za-z0-9_-]{20,100}$/;

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

function sameHash(token: string, hexHash: string): boolean {
  const expected = Buffer.from(hexHash, 'hex');
  const actual = sha256(token);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export async function authenticateSchool(c: Context, store: Store): Promise<{ school: SchoolRecord; actor: string }> {
  const token = bearer(c);
  if (!token) throw new AttestoError('UNAUTHORIZED', 'send the school API token as Authorization: Bearer <token>');
  const m = TOKEN.exec(token);
  const school = m ? await store.getSchool(m[1]!) : undefined;
  if (!school || !sameHash(token, school.tokenHash)) throw new AttestoError('UNAUTHORIZED', 'the API token is not valid');
  return { school, actor: `school:${school.uai}` };
}

export function authenticateOperator(c: Context, tokenSha256: string | undefined): { actor: string } {
  const token = bearer(c);
  if (!token || !tokenSha256 || !sameHash(token, tokenSha256)) {
    throw new AttestoError('UNAUTHORIZED', 'operator credentials are required');
  }
  return { actor: 'operator' };
}
