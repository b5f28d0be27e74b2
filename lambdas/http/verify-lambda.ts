/**
 * The verifier's Lambda entry, without a web framework. Verification is the hot path (employers
 * and administrations verify far more than schools issue) and the verifier function serves one
 * route, so there is nothing to route: API Gateway (or the local home) only sends it
 * `POST /credentials/verify`. Going through Hono here would turn each event into a WHATWG
 * Request and each answer back from a Response, which costs more CPU than the rest of the request
 * but the signature check (see the README's Performance section). The contract is the same as
 * the other groups': the same body checks (./body.ts), problem+json errors (./problem.ts),
 * request log line and metrics.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AppDeps } from '../composition';
import { AttestoError } from '../core/errors';
import * as validate from '../core/generated/validators';
import type { VerifyRequest } from '../core/requests';
import { verifyCredential } from '../core/verify/verify-credential';
import { logger } from './logger';
import { checkJsonHeaders, decodeJson } from './body';
import type { LambdaHandler } from './cold-start';
import { count, publishMetrics } from './metrics';
import { problemHeaders, problemOf } from './problem';
import { ROUTES, routeKey, type RouteDef } from './routes';
import { problemFor } from './unexpected';

/** The verifier group's one route, from the route table. */
const VERIFY_ROUTE = (() => {
  const routes = ROUTES.filter((r) => r.group === 'verifier');
  if (routes.length !== 1) throw new Error('the verifier entry serves exactly one route');
  return routes[0]!;
})();

function problemResult(err: AttestoError): APIGatewayProxyStructuredResultV2 {
  return { statusCode: err.status, headers: problemHeaders(err), body: JSON.stringify(problemOf(err)), isBase64Encoded: false };
}

async function answer(deps: AppDeps, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // The route API Gateway matched (not the raw path, which a stage or a custom domain's base path
  // may prefix). Payload 2.0; an event of another shape fails here, as a 500.
  const { method } = event.requestContext.http;
  if (event.routeKey !== routeKey(VERIFY_ROUTE)) {
    if (event.routeKey === routeKey({ method: method as RouteDef['method'], path: VERIFY_ROUTE.path })) throw new AttestoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
    throw new AttestoError('NOT_FOUND', `no route ${String(event.routeKey).slice(0, 200)}`);
  }
  // API Gateway HTTP APIs send header names in lower case.
  checkJsonHeaders(event.headers?.['content-type'], event.headers?.['content-length'], deps.config.maxBodyBytes);
  const body = event.body ?? '';
  const request = decodeJson<VerifyRequest>(event.isBase64Encoded ? Buffer.from(body, 'base64') : body, validate.VerifyRequest, deps.config.maxBodyBytes);
  const result = await verifyCredential(deps.verify, request.verifiableCredential);
  count(result.verified ? 'Verified' : 'NotVerified');
  return {
    statusCode: result.verified ? 200 : 400,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(result),
    isBase64Encoded: false,
  };
}

export function verifyLambda(deps: AppDeps): LambdaHandler {
  return async (event) => {
    const started = performance.now();
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await answer(deps, event);
    } catch (err) {
      result = problemResult(problemFor(err));
    } finally {
      publishMetrics();
    }
    // Method, route and outcome only: never bodies, tokens or anything personal.
    logger.info('request', { group: 'verifier', method: event.requestContext?.http?.method, path: VERIFY_ROUTE.path, status: result.statusCode, ms: Math.round(performance.now() - started) });
    return result;
  };
}
