/** The school a public route's `{uai}` names, or UNKNOWN_SCHOOL (404), malformed UAIs included. */
import type { Context } from 'hono';
import { AttestoError } from '../../core/errors';
import type { SchoolRecord } from '../../core/records';
import type { Store } from '../../core/store';
import { isValidUai } from '../../core/uai';
import { shown } from '../../core/json';

export async function schoolOfPath(c: Context, store: Pick<Store, 'getSchool'>): Promise<SchoolRecord> {
  const uai = c.req.param('uai') ?? '';
  const school = isValidUai(uai) ? await store.getSchool(uai) : undefined;
  // Sliced: the path is whatever the caller sent.
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `no school ${shown(uai, 20)}`);
  return school;
}
