/** Lambda entry point for the "documents" route group (see lambdas/http/routes.ts): read-only, never signs. */
import { buildDeps } from '../composition';
import { lambdaHandler } from '../http/lambda';
import { documentRoutes } from '../http/routes/documents';

export const handler = lambdaHandler('documents', documentRoutes, (config) => buildDeps(config));
