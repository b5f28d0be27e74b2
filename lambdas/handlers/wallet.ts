/** Lambda entry point for the "wallet" route group (OpenID4VCI: schools' offers, wallets' requests; see lambdas/http/routes.ts): signs. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { offerRoutes } from '../http/routes/offers';
import { walletRoutes } from '../http/routes/wallet';
import { signingFor } from '../signers';

export const handler = lambdaHandler('wallet', { ...offerRoutes, ...walletRoutes }, (config) => buildDeps(config, { signing: signingFor(config) }));
