/** A route group served by its Hono app (./app.ts) behind hono's API Gateway adapter. */
import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Config } from '../config';
import type { AppDeps } from '../composition';
import { createApp } from './app';
import { inRequest } from './logger';
import { onColdStart, type LambdaHandler } from './cold-start';
import type { RouteGroup } from './routes';
import type { RouteHandler } from './routes/types';

/**
 * The event as hono's adapter can take it. It builds a WHATWG Request: a GET or HEAD with a body
 * throws there (a plain-text 400 and a stack trace, on AWS too, where the gateway passes the body
 * along), so such a body, which means nothing, is dropped. And it leaves out headers whose value is
 * empty: an empty Idempotency-Key would read as none, and a retry would issue twice. As one space,
 * which the Request trims, the header stays, empty, and is refused like any malformed key.
 */
export function forHono(event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 {
  const method = event.requestContext?.http?.method;
  const bodyless = (method === 'GET' || method === 'HEAD') && event.body !== undefined;
  const empty = Object.entries(event.headers ?? {}).filter(([, v]) => v === '');
  if (!bodyless && empty.length === 0) return event;
  return {
    ...event,
    headers: { ...event.headers, ...Object.fromEntries(empty.map(([k]) => [k, ' '])) },
    ...(bodyless ? { body: undefined, isBase64Encoded: false } : {}),
  };
}

export function lambdaHandler(group: RouteGroup, routes: Record<string, RouteHandler>, compose: (config: Config) => AppDeps): LambdaHandler {
  return onColdStart((config) => {
    const app = handle(createApp(group, compose(config), routes));
    // hono's own Lambda event types differ from @types/aws-lambda's in details (body: null vs undefined).
    return (event, context) => inRequest(event.requestContext?.requestId, async () => (await app(forHono(event) as never, context as never)) as APIGatewayProxyStructuredResultV2);
  });
}
