/** The public verification route (VC-API "Verify Credential"). */
import * as validate from '../../core/generated/validators';
import type { VerifyRequest } from '../../core/requests';
import { verifyCredential } from '../../core/verify/verify-credential';
import { readJson } from '../body';
import { count } from '../metrics';
import type { RouteHandler } from './types';

export const verifierRoutes: Record<string, RouteHandler> = {
  async verifyCredential(c, deps) {
    const request = await readJson<VerifyRequest>(c, validate.VerifyRequest, deps.config.maxBodyBytes);
    const result = await verifyCredential(deps.verify, request.verifiableCredential);
    count(result.verified ? 'Verified' : 'NotVerified');
    c.header('cache-control', 'no-store');
    return c.json(result, result.verified ? 200 : 400);
  },
};
