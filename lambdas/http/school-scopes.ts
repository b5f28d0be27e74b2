/**
 * OAuth2 scopes of the school routes, one per route, derived from the route table: the Cognito
 * resource server declares them, every school's app client is allowed them, and the gateway's
 * authorizer requires the one of the route being called.
 *
 * @example routeScope(issue route) === 'attesto/issueCredential'
 */
import { methodsOf, ROUTES, routeKey, type RouteDef } from './routes';

/** Identifier of the Cognito resource server; the prefix of every scope. */
export const RESOURCE_SERVER_ID = 'attesto';

export const SCHOOL_ROUTES: readonly RouteDef[] = ROUTES.filter((r) => r.auth === 'school');


export const scopeName = (route: Pick<RouteDef, 'operationId'>) => route.operationId;

export const routeScope = (route: Pick<RouteDef, 'operationId'>) => `${RESOURCE_SERVER_ID}/${scopeName(route)}`;

/** API Gateway route key (`POST /credentials/issue`, and the HEAD beside a GET) → the scope that route requires. */
export const SCOPE_BY_ROUTE_KEY: Readonly<Record<string, string>> = Object.fromEntries(
  SCHOOL_ROUTES.flatMap((r) => methodsOf(r).map((method) => [routeKey({ method, path: r.path }), routeScope(r)])),
);

/** Every school scope, as an app client's AllowedOAuthScopes. */
export const SCHOOL_SCOPES: readonly string[] = SCHOOL_ROUTES.map(routeScope);
