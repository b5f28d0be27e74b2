/**
 * Issuing many credentials in one call: a class at a time, a year group as a job of calls.
 *
 * Each item goes through `issueCredential` with its own idempotency key, `batch/<batchKey>/<itemId>`,
 * so an item is committed (one conditional write), or not at all, independently of the others,
 * and a retry of the batch with the same key replays the committed items (same credential) and
 * issues only the others. Nothing of the batch itself is stored: its items carry personal data.
 *
 * Items run with bounded concurrency. Once the signer reports SIGNER_UNAVAILABLE (its own retries
 * with backoff are spent: the KMS quota is saturated), no further item is started: hammering a
 * saturated quota only lengthens everyone's wait. Those items come back as SIGNER_UNAVAILABLE
 * with Retry-After, for the client to resend. The same goes for SIGNING_KEY_UNUSABLE (the school's
 * key is disabled), without Retry-After: every later item would meet the same refusal. Items not
 * started because the call ran out of time come back as BATCH_OUT_OF_TIME, with Retry-After: the
 * signer may be fine (a slow store, an earlier stall), so they are not counted as its failure.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import type { SchoolRecord } from '../records';
import type { IssueRequest } from '../requests';
import { issueCredential, type IssueResult } from './issue-credential';
import { BATCH_KEY } from '../batch-limits';

export interface BatchItem {
  id: string;
  request: IssueRequest;
}

export interface IssueBatchCommand {
  school: SchoolRecord;
  actor: string;
  /** The batch's Idempotency-Key; each item's key is `batch/<batchKey>/<itemId>`. */
  batchKey: string;
  items: BatchItem[];
  /** Items in flight at once. Default 8. */
  concurrency?: number;
  /** No item is started after this instant (ms since the epoch, by `deps.clock`). */
  deadline?: number;
}

export type BatchItemResult = { id: string; ok: true; result: IssueResult } | { id: string; ok: false; error: AttestoError };

export interface BatchResult {
  results: BatchItemResult[];
  issued: number;
  replayed: number;
  failed: number;
  /** Seconds to wait before resending the failed items, when every failure is worth a retry. */
  retryAfter?: number;
}


/**
 * An item's idempotency key. The `/` puts it out of reach of single-issue keys (which may not
 * hold one): `POST /credentials/issue` with key `k:row-1` never meets item `row-1` of batch `k`.
 */
export const itemKey = (batchKey: string, itemId: string) => `batch/${batchKey}/${itemId}`;

export async function issueBatch(deps: CoreDeps, cmd: IssueBatchCommand): Promise<BatchResult> {
  if (!BATCH_KEY.test(cmd.batchKey)) {
    throw new AttestoError('INVALID_IDEMPOTENCY_KEY', 'a batch Idempotency-Key must be 8 to 63 characters of A-Z a-z 0-9 . _ -');
  }
  const seen = new Map<string, number>();
  cmd.items.forEach((item, i) => {
    if (seen.has(item.id)) {
      throw new AttestoError('VALIDATION_FAILED', `item id "${item.id}" appears twice`, { errors: [{ pointer: `/items/${i}/id`, message: `duplicates /items/${seen.get(item.id)}/id` }] });
    }
    seen.set(item.id, i);
  });

  const results: BatchItemResult[] = new Array(cmd.items.length);
  let next = 0;
  let stoppedBy: AttestoError | undefined;

  const worker = async () => {
    for (let i = next++; i < cmd.items.length; i = next++) {
      const item = cmd.items[i]!;
      if (!stoppedBy && cmd.deadline !== undefined && deps.clock().getTime() >= cmd.deadline) {
        stoppedBy = new AttestoError('BATCH_OUT_OF_TIME', 'the batch ran out of time before this item; resend it', { retryAfter: 1 });
      }
      if (stoppedBy) {
        results[i] = { id: item.id, ok: false, error: new AttestoError(stoppedBy.code, `not attempted: ${stoppedBy.message}`, stoppedBy.retryAfter !== undefined ? { retryAfter: stoppedBy.retryAfter } : {}) };
        continue;
      }
      try {
        const result = await issueCredential(deps, { school: cmd.school, actor: cmd.actor, request: item.request, idempotencyKey: itemKey(cmd.batchKey, item.id) });
        results[i] = { id: item.id, ok: true, result };
      } catch (e) {
        const error = e instanceof AttestoError ? e : new AttestoError('INTERNAL', 'an unexpected error occurred', { cause: e });
        // Every later item would meet the same signer: a saturated quota, or the school's unusable key.
        if (error.code === 'SIGNER_UNAVAILABLE' || error.code === 'SIGNING_KEY_UNUSABLE') stoppedBy ??= error;
        results[i] = { id: item.id, ok: false, error };
      }
    }
  };
  const workers = Math.max(1, Math.min(cmd.concurrency ?? 8, cmd.items.length));
  await Promise.all(Array.from({ length: workers }, worker));

  const failures = results.filter((r): r is Extract<BatchItemResult, { ok: false }> => !r.ok);
  const retryable = failures.every((f) => f.error.retryAfter !== undefined);
  return {
    results,
    issued: results.filter((r) => r.ok && !r.result.replayed).length,
    replayed: results.filter((r) => r.ok && r.result.replayed).length,
    failed: failures.length,
    ...(failures.length > 0 && retryable ? { retryAfter: Math.max(...failures.map((f) => f.error.retryAfter!)) } : {}),
  };
}
