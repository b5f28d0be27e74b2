/** Lambda entry point for the "wallet" route group (OpenID4VCI; see lambdas/http/routes.ts): signs. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { walletRoutes } from '../http/routes/wallet';
import { signingFor } from '../signers';

export const handler = lambdaHandler('wallet', walletRoutes, (config) => buildDeps(config, { signing: signingFor(config) }));
