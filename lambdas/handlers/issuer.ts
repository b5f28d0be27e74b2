/** Lambda entry point for the "issuer" route group (see lambdas/http/routes.ts): signs. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { issuerRoutes } from '../http/routes/issuer';
import { signerFor } from '../signers';

export const handler = lambdaHandler('issuer', issuerRoutes, (config) => buildDeps(config, { signer: signerFor(config) }));
