/**
 * The Lambda entry shape shared by every function: configuration is read, validated and the
 * dependencies built once per container (on the first event), then every event goes through
 * the handler built from them. No web framework here: the verifier's entry uses it bare.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig, type Config } from '../config';
import { logger } from './logger';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** A handler built on the first event, from the validated configuration. */
export function onColdStart(build: (config: Config) => LambdaHandler): LambdaHandler {
  let handler: LambdaHandler | undefined;
  return (event, context) => {
    if (!handler) {
      const config = loadConfig(process.env);
      logger.setLogLevel(config.logLevel as 'INFO');
      handler = build(config);
    }
    return handler(event, context);
  };
}
