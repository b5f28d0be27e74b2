/**
 * Cross-origin access, for browser-based wallets and verifiers (a web wallet redeeming an offer,
 * an HR portal verifying a credential in the page). The same policy for every route, set on the
 * API Gateway HTTP API (which answers preflight requests itself, before any authorizer) and
 * emulated by the local home. Any origin, and no cookies: attesto uses none, and a bearer token
 * gives a page nothing its holder does not already have.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 */
export const CORS = {
  allowOrigins: ['*'],
  allowMethods: ['GET', 'POST'],
  /** What clients send besides the CORS-safelisted headers (a page revalidating a DID document sends If-None-Match). */
  allowHeaders: ['authorization', 'content-type', 'dpop', 'idempotency-key', 'if-none-match'],
  /** What clients may read besides the CORS-safelisted response headers. */
  exposeHeaders: ['etag', 'idempotent-replayed', 'retry-after', 'www-authenticate'],
  maxAgeSeconds: 3600,
} as const;
