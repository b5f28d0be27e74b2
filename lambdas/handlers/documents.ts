/** Lambda entry point for the "documents" route group (see lambdas/http/routes.ts). */
import { lambdaHandler } from '../http/lambda';

export const handler = lambdaHandler('documents');
