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

export function createOriginAuthorizer(secrets: () => Promise<readonly string[]>, log?: Pick<Logger, 'warn'>) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => {
    const isAuthorized = throughOrigin(event.headers?.[ORIGIN_HEADER] ?? event.identitySource?.[0], await secrets());
    // Never with the value sent. Counted and alarmed on (OriginRefused): someone calling the API's
    // own address with a made-up header, or CloudFront and the authorizers disagreeing on the secret.
    if (!isAuthorized) log?.warn('origin refused', { routeKey: event.routeKey });
    return { isAuthorized };
  };
}

/** Built on first use, from the environment the stack sets. */
let lambdaAuthorizer: ReturnType<typeof createOriginAuthorizer> | undefined;

export const handler = async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => {
  lambdaAuthorizer ??= createOriginAuthorizer(originSecretsFromEnvironment(process.env, (e) => logger.error('origin secret not read', { reason: e.message })), logger);
  return lambdaAuthorizer(event);
};
