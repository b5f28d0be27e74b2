/**
 * The verifier's Lambda entry, without a web framework. Verification is the hot path (employers
 * and administrations verify far more than schools issue) and the verifier function serves two
 * routes, which API Gateway (or the local home) has already matched: `POST /credentials/verify`
 * and `POST /presentations/verify`. Going through Hono here would turn each event into a WHATWG
 * Request and each answer back from a Response, which costs more CPU than the rest of the request
 * but the signature check (see the README's Performance section). The contract is the same as
 * the other groups': the same body checks (./body.ts), problem+json errors (./problem.ts),
 * request log line and metrics.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AppDeps } from '../composition';
import { AttestoError } from '../core/errors';
import * as validate from '../core/generated/validators';
import type { VerifyPresentationRequest, VerifyRequest } from '../core/requests';
import { verifyCredential } from '../core/verify/verify-credential';
import { verifyPresentation } from '../core/verify/verify-presentation';
import { MAX_JWS_LENGTH } from '../core/verify/parse';
import { inRequest, logger } from './logger';
import { checkJsonHeaders, decodeJson } from './body';
import type { LambdaHandler } from './cold-start';
import { count, publishMetrics } from './metrics';
import { problemHeaders, problemOf } from './problem';
import { ROUTES, routeKey, type RouteDef } from './routes';
import { problemFor } from './unexpected';

/** The verifier group's routes, from the route table: the two verifications of the VC-API. */
const VERIFIER_ROUTES = ROUTES.filter((r) => r.group === 'verifier');
const route = (operationId: string) => {
  const found = VERIFIER_ROUTES.find((r) => r.operationId === operationId);
  if (!found) throw new Error(`the verifier group has no ${operationId} route`);
  return found;
};
const VERIFY_KEY = routeKey(route('verifyCredential'));
const PRESENT_KEY = routeKey(route('verifyPresentation'));
if (VERIFIER_ROUTES.length !== 2) throw new Error('the verifier entry serves exactly its two routes');

function problemResult(err: AttestoError): APIGatewayProxyStructuredResultV2 {
  return { statusCode: err.status, headers: problemHeaders(err), body: JSON.stringify(problemOf(err)), isBase64Encoded: false };
}

/**
 * Largest verify bodies: one credential as long as the verifier reads (MAX_JWS_LENGTH), with room
 * for the JSON around: whatever attesto issues must fit. A presentation may hold two of the
 * largest credentials attesto issues (about 100 KB each, a third more once inside a JWT
 * presentation), or ten ordinary ones. Not more: parsing hostile JSON grows faster than its size
 * (2.8 MB of nested brackets take about 350 ms here, 528 KiB about 20 ms). The configured limit
 * applies when it is larger.
 */
const VERIFY_BODY_BYTES = MAX_JWS_LENGTH + 16 * 1024;
const PRESENT_BODY_BYTES = 2 * MAX_JWS_LENGTH + 16 * 1024;

/** The body of a verify request: JSON of the route's schema. */
function body<T>(deps: AppDeps, event: APIGatewayProxyEventV2, validator: Parameters<typeof decodeJson>[1], limit: number): T {
  const max = Math.max(deps.config.maxBodyBytes, limit);
  // API Gateway HTTP APIs send header names in lower case.
  checkJsonHeaders(event.headers?.['content-type'], event.headers?.['content-length'], max);
  const raw = event.body ?? '';
  return decodeJson<T>(event.isBase64Encoded ? Buffer.from(raw, 'base64') : raw, validator, max);
}

/** 200 when verified, 400 with the reasons when not (VC-API), never cached. */
function verdict(result: { verified: boolean }): APIGatewayProxyStructuredResultV2 {
  count(result.verified ? 'Verified' : 'NotVerified');
  return {
    statusCode: result.verified ? 200 : 400,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(result),
    isBase64Encoded: false,
  };
}

async function answer(deps: AppDeps, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // The route API Gateway matched (not the raw path, which a stage or a custom domain's base path
  // may prefix). Payload 2.0; an event of another shape fails here, as a 500.
  const { method } = event.requestContext.http;
  const key = event.routeKey;
  if (key === VERIFY_KEY) {
    const request = body<VerifyRequest>(deps, event, validate.VerifyRequest, VERIFY_BODY_BYTES);
    return verdict(await verifyCredential(deps.verify, request.verifiableCredential));
  }
  if (key === PRESENT_KEY) {
    const request = body<VerifyPresentationRequest>(deps, event, validate.VerifyPresentationRequest, PRESENT_BODY_BYTES);
    const { challenge, domain } = request.options ?? {};
    return verdict(await verifyPresentation(deps.verify, request.verifiablePresentation, { ...(challenge !== undefined ? { challenge } : {}), ...(domain !== undefined ? { domain } : {}) }));
  }
  if (VERIFIER_ROUTES.some((r) => key === routeKey({ method: method as RouteDef['method'], path: r.path }))) throw new AttestoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  throw new AttestoError('NOT_FOUND', `no route ${String(key).slice(0, 200)}`);
}

export function verifyLambda(deps: AppDeps): LambdaHandler {
  return (event) => inRequest(event.requestContext?.requestId, async () => {
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
    const path = VERIFIER_ROUTES.find((r) => routeKey(r) === event.routeKey)?.path;
    logger.info('request', { group: 'verifier', method: event.requestContext?.http?.method, ...(path ? { path } : {}), status: result.statusCode, ms: Math.round(performance.now() - started) });
    return result;
  });
}
