/**
 * The Lambda entry shape shared by every route group: configuration is read and dependencies
 * are built once per container (cold start), then every event goes through the group's app.
 */
import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig, type Config } from '../config';
import type { AppDeps } from '../composition';
import { createApp, logger } from './app';
import type { RouteGroup } from './routes';
import type { RouteHandler } from './routes/types';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export function lambdaHandler(group: RouteGroup, routes: Record<string, RouteHandler>, compose: (config: Config) => AppDeps): LambdaHandler {
  let handler: ReturnType<typeof handle> | undefined;
  return async (event, context) => {
    if (!handler) {
      const config = loadConfig(process.env);
      logger.setLogLevel(config.logLevel as 'INFO');
      handler = handle(createApp(group, compose(config), routes));
    }
    // hono's own Lambda event types differ from @types/aws-lambda's in details (body: null vs undefined).
    return (await handler(event as never, context as never)) as APIGatewayProxyStructuredResultV2;
  };
}
