/**
 * Lambda entry point for the "verifier" route group (see lambdas/http/routes.ts): never signs and
 * only reads, so it gets no signer and the read-only store (BatchGetItem over SigV4, no AWS SDK,
 * with the reads asked for together sent as one). It serves the credential and presentation verifications,
 * the hot path, without a web framework (lambdas/http/verify-lambda.ts).
 */
import { dynamoReaderFor } from '../adapters/dynamo-reader';
import { composeDeps, NO_WALLET } from '../composition';
import { onColdStart } from '../http/cold-start';
import { verifyLambda } from '../http/verify-lambda';
import { verifierFor } from '../verifiers';

export const handler = onColdStart((config) =>
  verifyLambda(composeDeps(config, { store: dynamoReaderFor(config), wallet: NO_WALLET, verifier: (ctx) => verifierFor(config, ctx) })),
);
