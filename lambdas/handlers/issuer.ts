/** Lambda entry point for the "issuer" route group (see lambdas/http/routes.ts). */
import { lambdaHandler } from '../http/lambda';

export const handler = lambdaHandler('issuer');
