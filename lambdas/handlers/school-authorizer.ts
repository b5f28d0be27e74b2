/**
 * The gateway's check of school access tokens: OAuth2 client credentials (RFC 6749 §4.4) issued
 * by attesto's Cognito user pool, one app client per school.
 *
 * It checks what API Gateway's built-in JWT authorizer checks (RS256 signature against the pool's
 * JWKS, issuer, expiry, the route's scope) plus `token_use: access`. It exists because the built-in
 * authorizer only accepts access tokens whose `client_id` is listed in its audience, at most 50
 * entries (a hard quota), and schools get their app client when they are registered, at run time,
 * not when the stack is deployed. This one accepts any app client of the pool.
 *
 * It knows nothing of schools: it passes the verified `client_id` on, and the issuer function
 * maps it to the school whose registration created that client. Gateway code, so it lives with
 * the infrastructure; it imports only the scope table.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SCOPE_BY_ROUTE_KEY } from '../http/school-scopes';
import { ORIGIN_HEADER, originSecretsFromEnvironment, throughOrigin } from '../http/origin-check';

/** What the issuer function receives in `requestContext.authorizer.lambda`. */
export interface SchoolAuthorizerContext {
  clientId: string;
  scope: string;
}

export type SchoolAuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<SchoolAuthorizerContext | Record<string, never>>;

export interface SchoolAuthorizerOptions {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the only accepted `iss`. */
  issuer: string;
  /** The pool's signing keys; remote JWKS in Lambda, a local set in tests. */
  keys: JWTVerifyGetKey;
  /** Route key → required scope. Defaults to the school routes of the route table. */
  scopes?: Readonly<Record<string, string>>;
  /** When set, a request must also have come through CloudFront (../http/origin-check.ts). */
  originSecrets?: () => Promise<readonly string[]>;
  logger?: Pick<Logger, 'info' | 'error'>;
}

const DENY: SchoolAuthorizerResult = { isAuthorized: false, context: {} };

/** Why a token was refused; logged as a code, never with the token or its claims. (`keys-unavailable` is not a refusal: the request fails.) */
type Refusal = 'not-through-cloudfront' | 'no-bearer' | 'unknown-route' | 'invalid-token' | 'expired' | 'not-access-token' | 'no-client' | 'missing-scope';

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(header) : null;
  return m?.[1];
}

export function createSchoolAuthorizer(options: SchoolAuthorizerOptions) {
  const scopes = options.scopes ?? SCOPE_BY_ROUTE_KEY;
  const refuse = (reason: Refusal, routeKey: string): SchoolAuthorizerResult => {
    options.logger?.info('school token refused', { reason, routeKey });
    return DENY;
  };

  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<SchoolAuthorizerResult> => {
    const required = scopes[event.routeKey];
    // A route without a scope is a route this authorizer was not meant for: refuse, never guess.
    if (!required) return refuse('unknown-route', event.routeKey);
    // Sent to the API's own address rather than through CloudFront (and its WAF).
    if (options.originSecrets && !throughOrigin(event.headers?.[ORIGIN_HEADER], await options.originSecrets())) return refuse('not-through-cloudfront', event.routeKey);
    const token = bearer(event.headers?.authorization ?? event.identitySource?.[0]);
    if (!token) return refuse('no-bearer', event.routeKey);

    let payload;
    try {
      // Cognito signs with RS256 only; pinning the algorithm shuts out "none" and HMAC confusion.
      ({ payload } = await jwtVerify(token, options.keys, { issuer: options.issuer, algorithms: ['RS256'], requiredClaims: ['exp', 'iat'] }));
    } catch (e) {
      // The pool's keys could not be read (a timeout, a network failure, a malformed key set): that
      // says nothing about the token. Denying would answer every school 403, which clients take as
      // final and on-call takes for bad tokens; failing makes the gateway answer 500, which clients
      // retry and the function's error alarm reports.
      // jose reports a key set answered with another status than 200, or not JSON, as a bare JOSEError.
      if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || !(e instanceof errors.JOSEError) || e.code === 'ERR_JOSE_GENERIC') {
        options.logger?.error('school token not checked: the pool keys are unavailable', { reason: 'keys-unavailable', routeKey: event.routeKey, cause: String((e as Error | undefined)?.name ?? '') });
        throw new Error('the user pool keys are unavailable', { cause: e });
      }
      return refuse(e instanceof errors.JWTExpired ? 'expired' : 'invalid-token', event.routeKey);
    }
    // ID tokens are signed by the same keys; only access tokens carry the granted scopes.
    if (payload.token_use !== 'access') return refuse('not-access-token', event.routeKey);
    if (typeof payload.client_id !== 'string' || payload.client_id === '') return refuse('no-client', event.routeKey);
    const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!granted.includes(required)) return refuse('missing-scope', event.routeKey);

    return { isAuthorized: true, context: { clientId: payload.client_id, scope: required } };
  };
}

/** Built on first use, from the environment the stack sets. */
let lambdaAuthorizer: ReturnType<typeof createSchoolAuthorizer> | undefined;

export const handler = async (event: APIGatewayRequestAuthorizerEventV2): Promise<SchoolAuthorizerResult> => {
  if (!lambdaAuthorizer) {
    const issuer = process.env.ATTESTO_TOKEN_ISSUER;
    if (!issuer) throw new Error('ATTESTO_TOKEN_ISSUER is not set');
    const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), { timeoutDuration: 1500, cacheMaxAge: 3_600_000 });
    const logger = new Logger({ serviceName: 'attesto-school-authorizer' });
    const originSecrets = process.env.ATTESTO_ORIGIN_SECRET_ARN !== undefined ? originSecretsFromEnvironment(process.env, (e) => logger.error('origin secret not read', { reason: e.message })) : undefined;
    lambdaAuthorizer = createSchoolAuthorizer({ issuer, keys, ...(originSecrets ? { originSecrets } : {}), logger });
  }
  return lambdaAuthorizer(event);
};
