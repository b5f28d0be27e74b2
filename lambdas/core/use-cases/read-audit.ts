/** A school's audit trail, newest last, over a bounded time window. */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import { isoSeconds } from '../credential/build';
import type { AuditPage } from '../store';

const MAX_WINDOW_DAYS = 31;
const DAY_MS = 86_400_000;

export async function readAudit(
  deps: CoreDeps,
  q: { uai: string; from?: string; to?: string; limit?: number; cursor?: string },
): Promise<AuditPage & { from: string; to: string }> {
  const now = deps.clock();
  // A date alone as `to` means that whole day: `--to 2026-11-30` includes the 30th.
  const to = q.to ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(q.to) ? `${q.to}T23:59:59Z` : q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY_MS);
  if (Number.isNaN(to.getTime()) || Number.isNaN(from.getTime())) throw new AttestoError('VALIDATION_FAILED', 'from and to must be ISO dates');
  if (from > to) throw new AttestoError('VALIDATION_FAILED', 'from must not be after to');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) throw new AttestoError('VALIDATION_FAILED', `the window is at most ${MAX_WINDOW_DAYS} days`);
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 500);
  // Audit keys have seconds precision: compare at the same precision.
  const page = await deps.store.listAudit(q.uai, { from: isoSeconds(from), to: isoSeconds(to), limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
  return { ...page, from: isoSeconds(from), to: isoSeconds(to) };
}
