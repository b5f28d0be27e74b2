/**
 * One Hono app per route group, built from the route table. Errors are mapped in one place:
 * AttestoError → its problem+json; anything else → a logged 500 that reveals nothing.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../composition';
import { AttestoError } from '../core/errors';
import { OAuthError } from '../core/oid4vci/errors';
import { logger } from './logger';
import { asOAuthError, OAUTH_OPERATIONS, oauthErrorResponse } from './oauth-error';
import { publishMetrics } from './metrics';
import { problemResponse } from './problem';
import { problemFor } from './unexpected';
import { ROUTES, toHonoPath, type RouteGroup } from './routes';
import type { RouteHandler } from './routes/types';

/**
 * `impl` holds the group's route implementations, passed in by the entry point so that each
 * Lambda bundle contains only its own routes and their dependencies.
 */
export function createApp(group: RouteGroup, deps: AppDeps, impl: Record<string, RouteHandler>): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      publishMetrics();
    }
    // Method, route and outcome only: never bodies, tokens or anything personal.
    logger.info('request', { group, method: c.req.method, path: c.req.routePath, status: c.res.status, ms: Math.round(performance.now() - started) });
  });

  for (const route of ROUTES.filter((r) => r.group === group)) {
    const handler = impl[route.operationId];
    if (!handler) throw new Error(`route ${route.operationId} has no implementation in group ${group}`);
    const malformed = OAUTH_OPERATIONS[route.operationId];
    app.on(
      route.method,
      toHonoPath(route.path),
      malformed === undefined
        ? (c) => handler(c, deps)
        : async (c) => {
            try {
              return await handler(c, deps);
            } catch (e) {
              throw asOAuthError(e, malformed);
            }
          },
    );
  }

  app.notFound((c) => problemResponse(c, new AttestoError('NOT_FOUND', `no route ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}`)));
  app.onError((err, c) => {
    // OAuth endpoints answer in RFC 6749 §5.2 form, which wallets expect.
    if (err instanceof OAuthError) return oauthErrorResponse(c, err);
    return problemResponse(c, problemFor(err));
  });
  return app;
}
