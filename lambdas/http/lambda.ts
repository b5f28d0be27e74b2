/** A route group served by its Hono app (./app.ts) behind hono's API Gateway adapter. */
import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Config } from '../config';
import type { AppDeps } from '../composition';
import { createApp } from './app';
import { onColdStart, type LambdaHandler } from './cold-start';
import type { RouteGroup } from './routes';
import type { RouteHandler } from './routes/types';

export function lambdaHandler(group: RouteGroup, routes: Record<string, RouteHandler>, compose: (config: Config) => AppDeps): LambdaHandler {
  return onColdStart((config) => {
    const app = handle(createApp(group, compose(config), routes));
    // hono's own Lambda event types differ from @types/aws-lambda's in details (body: null vs undefined).
    return async (event, context) => (await app(event as never, context as never)) as APIGatewayProxyStructuredResultV2;
  });
}
