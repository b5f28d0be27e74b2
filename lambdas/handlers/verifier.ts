/**
 * Lambda entry point for the "verifier" route group (see lambdas/http/routes.ts): never signs and
 * only reads, so it gets no signer and the read-only store (GetItem over SigV4, no AWS SDK, with
 * concurrent identical reads coalesced).
 */
import { dynamoReaderFor } from '../adapters/dynamo-reader';
import { composeDeps, NO_WALLET } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { verifierRoutes } from '../http/routes/verifier';
import { verifierFor } from '../verifiers';

export const handler = lambdaHandler('verifier', verifierRoutes, (config) =>
  composeDeps(config, { store: dynamoReaderFor(config), wallet: NO_WALLET, verifier: (ctx) => verifierFor(config, ctx) }),
);
