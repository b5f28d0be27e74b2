/** Lambda entry point for the "operator" route group (see lambdas/http/routes.ts): creates keys. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { operatorRoutes } from '../http/routes/operator';
import { schoolClientsFor } from '../school-clients';
import { signingFor } from '../signers';

export const handler = lambdaHandler('operator', operatorRoutes, (config) => buildDeps(config, { signing: signingFor(config), schoolClients: schoolClientsFor(config) }));
