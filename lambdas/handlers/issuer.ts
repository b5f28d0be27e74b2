/** Lambda entry point for the "issuer" route group (see lambdas/http/routes.ts): signs. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { batchRoutes } from '../http/routes/batch';
import { issuerRoutes } from '../http/routes/issuer';
import { signingFor } from '../signers';

export const handler = lambdaHandler('issuer', { ...issuerRoutes, ...batchRoutes }, (config) => buildDeps(config, { signing: signingFor(config) }));
