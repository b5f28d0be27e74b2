/** A school's audit trail, newest last, over a bounded time window. */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import { parseInstant } from '../instant';
import { isoSeconds } from '../credential/build';
import type { AuditEvent } from '../records';
import type { AuditPage } from '../store';

const MAX_WINDOW_DAYS = 31;
const DAY_MS = 86_400_000;
export const MAX_AUDIT_PAGE = 500;

/** `value` as an instant (a date alone is its UTC midnight), or VALIDATION_FAILED. */
function instant(value: string, name: string): Date {
  const date = parseInstant(value, { dateOnly: true });
  if (!date) {
    throw new AttestoError('VALIDATION_FAILED', `${name} must be a date (2026-11-30) or a date and time with its offset (2026-11-30T12:00:00Z)`, { errors: [{ pointer: `/${name}`, message: 'is not an RFC 3339 date or date-time' }] });
  }
  return date;
}

/**
 * What a cursor continues: the window it was given for (seconds precision, as answered) and the
 * store's own position in it. A cursor is the whole query: sent alone it reads on in its window,
 * which the default window (moving with the clock) could not do; sent with another window it is
 * refused, as a position in one window means nothing in another (it would skip days or repeat them).
 */
interface Cursor {
  from: string;
  to: string;
  at: string;
}

/** The window's bounds as answered (and as a cursor carries them): `isoSeconds`. */
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/** The cursor we gave, or undefined for one given before cursors carried their window (the store checks those). */
function decodeCursor(cursor: string): Cursor | undefined {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    c = undefined;
  }
  const keys = c !== null && typeof c === 'object' ? Object.keys(c) : [];
  const { from, to, at } = (keys.length === 3 ? c : {}) as Partial<Record<string, unknown>>;
  if (typeof at === 'string' && [from, to].every((t) => typeof t === 'string' && ISO_SECONDS.test(t) && !Number.isNaN(Date.parse(t)))) return { from, to, at } as Cursor;
  if (keys.includes('day')) return undefined;
  throw new AttestoError('VALIDATION_FAILED', 'cursor is not valid: send the `next` of a page as it was given', { errors: [{ pointer: '/cursor', message: 'is not a cursor this service gave' }] });
}

/**
 * Who reads the trail. The school reads what happened to its credentials, and that an operator
 * acted, but not which person: an operator's actor is the AWS identity that called
 * (`operator:arn:aws:sts::…:assumed-role/<role>/<session>`), whose session name is often the
 * person's SSO login, an e-mail address. The operator reads it whole, and CloudTrail keeps it too.
 */
export type AuditReader = 'school' | 'operator';

/** The event as `reader` sees it. */
export function asSeenBy(reader: AuditReader, event: AuditEvent): AuditEvent {
  return reader === 'school' && event.actor.startsWith('operator:') ? { ...event, actor: 'operator' } : event;
}

export async function readAudit(
  deps: CoreDeps,
  /** `reader`: the school's view unless said, the one that shows least. */
  q: { uai: string; reader?: AuditReader; from?: string; to?: string; limit?: number; cursor?: string },
): Promise<AuditPage & { from: string; to: string }> {
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  const now = deps.clock();
  // A date alone as `to` means that whole day: `--to 2026-11-30` includes the 30th.
  // With a cursor, a bound not sent is the cursor's.
  const to = q.to ? (/^\d{4}-\d{2}-\d{2}$/.test(q.to) ? new Date(instant(q.to, 'to').getTime() + DAY_MS - 1000) : instant(q.to, 'to')) : cursor ? new Date(cursor.to) : now;
  const from = q.from ? instant(q.from, 'from') : cursor ? new Date(cursor.from) : new Date(to.getTime() - 7 * DAY_MS);
  if (from > to) throw new AttestoError('VALIDATION_FAILED', 'from must not be after to');
  if (from.getUTCFullYear() < 2000 || to.getUTCFullYear() > 9999) throw new AttestoError('VALIDATION_FAILED', 'from and to must be between the years 2000 and 9999');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) throw new AttestoError('VALIDATION_FAILED', `the window is at most ${MAX_WINDOW_DAYS} days`);
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw new AttestoError('VALIDATION_FAILED', `limit must be a whole number from 1 to ${MAX_AUDIT_PAGE}`, { errors: [{ pointer: '/limit', message: `must be from 1 to ${MAX_AUDIT_PAGE}` }] });
  // Audit keys have seconds precision: compare at the same precision.
  const window = { from: isoSeconds(from), to: isoSeconds(to) };
  if (cursor && (cursor.from !== window.from || cursor.to !== window.to)) {
    throw new AttestoError('VALIDATION_FAILED', `this cursor continues the window from ${cursor.from} to ${cursor.to}: send it alone, or with that from and to`, { errors: [{ pointer: '/cursor', message: 'belongs to another window' }] });
  }
  const at = cursor ? cursor.at : q.cursor;
  const page = await deps.store.listAudit(q.uai, { ...window, limit, ...(at ? { cursor: at } : {}) });
  return { events: page.events.map((e) => asSeenBy(q.reader ?? 'school', e)), ...(page.next ? { next: encodeCursor({ ...window, at: page.next }) } : {}), ...window };
}
