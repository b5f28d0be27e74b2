/**
 * POST /credentials/issue/batch: up to 100 credentials in one call, one result per item.
 * The batch Idempotency-Key is required: it is what makes resending a batch (or its failed items)
 * safe. The answer is 200 whenever the batch was read; each item has its own status, a 201-like
 * success with the credential, or an RFC 9457 problem with a stable code.
 */
import { BATCH_MAX_BODY_BYTES } from '../../core/batch-limits';
import type { IssueBatchRequest } from '../../core/batch-request';
import * as validate from '../../core/generated/validators';
import { AttestoError } from '../../core/errors';
import { issueBatch } from '../../core/use-cases/issue-batch';
import { logger } from '../logger';
import { authenticateSchool } from '../auth';
import { readJson } from '../body';
import { problemOf } from '../problem';
import { count } from '../metrics';
import type { RouteHandler } from './types';

/**
 * The longest an item may take once started, with KMS stalling: a Sign with every retry (6
 * attempts of at most 1 s, with up to 1.55 s of backoff between them, ../../adapters/kms-signer.ts)
 * and the item's few store writes, with time to answer. No item starts later than this before the
 * function's timeout, so the batch answers with its per-item results rather than the gateway's 5xx.
 */
export const LAST_ITEM_MS = 11_000;
/** Without a Lambda context (local home): API Gateway's 30 s integration timeout, less a second. */
const LOCAL_BUDGET_MS = 29_000;

interface LambdaEnv {
  lambdaContext?: { getRemainingTimeInMillis?: () => number };
}

export const batchRoutes: Record<string, RouteHandler> = {
  async issueBatch(c, deps) {
    const { school, actor } = await authenticateSchool(c, deps);
    const batchKey = c.req.header('idempotency-key');
    if (batchKey === undefined) {
      throw new AttestoError('INVALID_IDEMPOTENCY_KEY', 'batch issuance needs an Idempotency-Key header (8 to 63 characters of A-Z a-z 0-9 . _ -), reused when the batch is resent');
    }
    const body = await readJson<IssueBatchRequest>(c, validate.IssueBatchRequest, Math.max(deps.config.maxBodyBytes, BATCH_MAX_BODY_BYTES));
    const remaining = (c.env as LambdaEnv | undefined)?.lambdaContext?.getRemainingTimeInMillis?.() ?? LOCAL_BUDGET_MS;
    const outcome = await issueBatch(deps.core, {
      school,
      actor,
      batchKey,
      items: body.items.map(({ id, ...request }) => ({ id, request })),
      deadline: deps.core.clock().getTime() + remaining - LAST_ITEM_MS,
    });

    const results = outcome.results.map((r) => {
      if (r.ok) {
        const { credentialId, kind, format, verifiableCredential, replayed } = r.result;
        return { id: r.id, status: 201, credentialId, kind, format, verifiableCredential, replayed };
      }
      if (r.error.code === 'INTERNAL') logger.error('batch item failed unexpectedly', { cause: String((r.error.cause as Error | undefined)?.name ?? '') });
      return { id: r.id, status: r.error.status, problem: problemOf(r.error) };
    });
    // Counts only: never item contents.
    logger.info('batch', { uai: school.uai, total: results.length, issued: outcome.issued, replayed: outcome.replayed, failed: outcome.failed });
    // Items that failed on our side are logged as a single request's 503 is (http/unexpected.ts), once
    // per code: the operators' alarms (a metric filter on these lines) must not miss a year group
    // whose signing fails, answered 200 with failed items.
    const unavailable = new Map<string, number>();
    for (const r of outcome.results) if (!r.ok && r.error.status >= 500) unavailable.set(r.error.code, (unavailable.get(r.error.code) ?? 0) + 1);
    for (const [code, items] of unavailable) logger.warn('unavailable', { code, items });
    c.header('cache-control', 'no-store');
    if (outcome.retryAfter !== undefined) c.header('retry-after', String(outcome.retryAfter));
    count('CredentialsIssued', outcome.issued);
    if (outcome.replayed) count('CredentialsReplayed', outcome.replayed);
    return c.json(
      {
        summary: { total: results.length, issued: outcome.issued, replayed: outcome.replayed, failed: outcome.failed },
        ...(outcome.retryAfter !== undefined ? { retryAfter: outcome.retryAfter } : {}),
        results,
      },
      200,
    );
  },
};
