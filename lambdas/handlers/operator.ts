/** Lambda entry point for the "operator" route group (see lambdas/http/routes.ts): creates keys. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { operatorRoutes } from '../http/routes/operator';
import { signerFor } from '../signers';

export const handler = lambdaHandler('operator', operatorRoutes, (config) => buildDeps(config, { signer: signerFor(config) }));
