/**
 * Operator routes: registering schools, rotating their keys, signing their status lists again.
 * On AWS they are the way to do these to a school key made by the functions: its key policy lets
 * only the school's signing sessions sign (adapters/kms-key-policy.ts), which these functions
 * open and an operator's terminal cannot.
 */
import * as validate from '../../core/generated/validators';
import type { RegisterSchoolRequest, RotateKeyRequest } from '../../core/requests';
import { AttestoError } from '../../core/errors';
import { canRotateKeys } from '../../core/store';
import { registerSchool } from '../../core/use-cases/register-school';
import { republishStatusLists } from '../../core/use-cases/republish-status-lists';
import { rotateKey } from '../../core/use-cases/rotate-key';
import { authenticateOperator } from '../auth';
import { readJson } from '../body';
import { count } from '../metrics';
import type { RouteHandler } from './types';

export const operatorRoutes: Record<string, RouteHandler> = {
  async registerSchool(c, deps) {
    const { actor } = authenticateOperator(c, deps.config);
    const body = await readJson<RegisterSchoolRequest>(c, validate.RegisterSchoolRequest, deps.config.maxBodyBytes);
    const school = await registerSchool(deps.core, { ...body, actor });
    count('SchoolsRegistered');
    c.header('cache-control', 'no-store');
    return c.json(school, 201);
  },

  /** Each call makes a new key, unless it names the key it `replaces`: then sending it again answers the same rotation. */
  async rotateKey(c, deps) {
    const { actor } = authenticateOperator(c, deps.config);
    // Checked by the use case: a malformed one is INVALID_UAI (400), as POST /schools answers.
    const uai = c.req.param('uai') ?? '';
    const { mode, replaces } = await readJson<RotateKeyRequest>(c, validate.RotateKeyRequest, deps.config.maxBodyBytes);
    const store = deps.core.store;
    if (!canRotateKeys(store)) throw new AttestoError('INTERNAL', 'this store cannot rotate keys');
    const rotated = await rotateKey({ ...deps.core, store }, { uai, actor, compromised: mode === 'compromised', immediate: mode === 'immediate', ...(replaces !== undefined ? { replaces } : {}) });
    c.header('cache-control', 'no-store');
    if (rotated.replayed) c.header('idempotent-replayed', 'true');
    return c.json(rotated, 201);
  },

  /** Safe to repeat: the lists are signed again with the same key, the saved events written once. */
  async republishStatusLists(c, deps) {
    const { actor } = authenticateOperator(c, deps.config);
    // Checked by the use case: a malformed one is INVALID_UAI (400), as POST /schools answers.
    const uai = c.req.param('uai') ?? '';
    const republished = await republishStatusLists(deps.core, { uai, actor });
    c.header('cache-control', 'no-store');
    return c.json(republished, 200);
  },
};
