/** Batch issuance (issue 5): implemented by lambdas/core/use-cases/issue-batch.ts. */
import { AttestoError } from '../../core/errors';
import type { RouteHandler } from './types';

export const batchRoutes: Record<string, RouteHandler> = {
  async issueBatch() {
    throw new AttestoError('NOT_FOUND', 'batch issuance is not available yet');
  },
};
