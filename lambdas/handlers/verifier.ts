/** Lambda entry point for the "verifier" route group (see lambdas/http/routes.ts): never signs. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { verifierRoutes } from '../http/routes/verifier';

export const handler = lambdaHandler('verifier', verifierRoutes, (config) => buildDeps(config));
