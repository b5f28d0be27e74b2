/**
 * The functions' logger (AWS Lambda Powertools: structured JSON lines). The service name comes
 * from POWERTOOLS_SERVICE_NAME: one per function on AWS (attesto-issuer, …).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger();
