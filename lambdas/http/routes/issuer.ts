/** Routes a school calls with its API token: issue, change status, read its audit trail. */
import { IDEMPOTENCY_KEY } from '../../core/batch-limits';
import { AttestoError } from '../../core/errors';
import * as validate from '../../core/generated/validators';
import type { IssueRequest, UpdateStatusRequest } from '../../core/requests';
import { issueCredential } from '../../core/use-cases/issue-credential';
import { readAudit } from '../../core/use-cases/read-audit';
import { updateStatus } from '../../core/use-cases/update-status';
import { authenticateSchool } from '../auth';
import { readJson } from '../body';
import { count } from '../metrics';
import type { RouteHandler } from './types';


export const issuerRoutes: Record<string, RouteHandler> = {
  async issueCredential(c, deps) {
    const { school, actor } = await authenticateSchool(c, deps);
    const key = c.req.header('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new AttestoError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 8 to 128 characters of A-Z a-z 0-9 . _ : -');
    }
    const request = await readJson<IssueRequest>(c, validate.IssueRequest, deps.config.maxBodyBytes);
    const result = await issueCredential(deps.core, { school, actor, request, ...(key ? { idempotencyKey: key } : {}) });
    c.header('cache-control', 'no-store');
    if (result.replayed) c.header('idempotent-replayed', 'true');
    count(result.replayed ? 'CredentialsReplayed' : 'CredentialsIssued');
    return c.json({ verifiableCredential: result.verifiableCredential, credentialId: result.credentialId, kind: result.kind, format: result.format }, 201);
  },

  async updateStatus(c, deps) {
    const { school, actor } = await authenticateSchool(c, deps);
    const request = await readJson<UpdateStatusRequest>(c, validate.UpdateStatusRequest, deps.config.maxBodyBytes);
    const view = await updateStatus(deps.core, { school, actor, request });
    count('StatusChanged');
    c.header('cache-control', 'no-store');
    return c.json(view, 200);
  },

  async readAudit(c, deps) {
    const { school } = await authenticateSchool(c, deps);
    if (c.req.param('uai') !== school.uai) throw new AttestoError('FORBIDDEN', "a school can only read its own audit trail");
    const q = c.req.query();
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && !Number.isInteger(limit)) throw new AttestoError('VALIDATION_FAILED', 'limit must be an integer');
    const page = await readAudit(deps.core, {
      uai: school.uai,
      reader: 'school',
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
    c.header('cache-control', 'no-store');
    return c.json(page, 200);
  },
};
