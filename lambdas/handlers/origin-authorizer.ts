/**
 * The gateway authorizer of public routes: lets a request through when it came through
 * CloudFront (../http/origin-check.ts), whoever sent it. API Gateway answers 401 without calling it when
 * the header is missing, and caches its answer per header value, so a verification costs no extra
 * function run.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { ORIGIN_HEADER, originSecretsFromEnvironment, throughOrigin } from '../http/origin-check';

const logger = new Logger({ serviceName: 'attesto-origin-authorizer' });

export function createOriginAuthorizer(secrets: () => Promise<readonly string[]>) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => ({
    isAuthorized: throughOrigin(event.headers?.[ORIGIN_HEADER] ?? event.identitySource?.[0], await secrets()),
  });
}

/** Built on first use, from the environment the stack sets. */
let lambdaAuthorizer: ReturnType<typeof createOriginAuthorizer> | undefined;

export const handler = async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => {
  lambdaAuthorizer ??= createOriginAuthorizer(originSecretsFromEnvironment(process.env, (e) => logger.error('origin secret not read', { reason: e.message })));
  return lambdaAuthorizer(event);
};
