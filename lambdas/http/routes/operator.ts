/** Operator routes: registering schools. */
import * as validate from '../../core/generated/validators';
import type { RegisterSchoolRequest } from '../../core/requests';
import { registerSchool } from '../../core/use-cases/register-school';
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
};
