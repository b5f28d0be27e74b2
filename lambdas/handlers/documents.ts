/**
 * Lambda entry point for the "documents" route group (see lambdas/http/routes.ts): read-only,
 * never signs, so it gets no signer and the read-only store (BatchGetItem over SigV4, no AWS SDK).
 */
import { dynamoReaderFor } from '../adapters/dynamo-reader';
import { composeDeps, NO_WALLET } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { documentRoutes } from '../http/routes/documents';

export const handler = lambdaHandler('documents', documentRoutes, (config) => composeDeps(config, { store: dynamoReaderFor(config), wallet: NO_WALLET }));
