/** Lambda entry point for the "verifier" route group (see lambdas/http/routes.ts). */
import { lambdaHandler } from '../http/lambda';

export const handler = lambdaHandler('verifier');
