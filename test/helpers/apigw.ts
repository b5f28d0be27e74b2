/** API Gateway HTTP API (payload 2.0) events, as a deployed function receives them. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface EventOptions {
  method?: string;
  path?: string;
  /** The body as API Gateway passes it: text, or base64 with `base64`. */
  body?: string;
  base64?: boolean;
  headers?: Record<string, string>;
  /** What the authorizer put in the request context. */
  authorizer?: Record<string, unknown>;
}

export function apiGatewayEvent(o: EventOptions = {}): APIGatewayProxyEventV2 {
  const method = o.method ?? 'POST';
  const path = o.path ?? '/';
  const routeKey = `${method} ${path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'attesto.test', 'content-type': 'application/json', ...o.headers },
    requestContext: {
      accountId: '111122223333',
      apiId: 'api',
      domainName: 'attesto.test',
      domainPrefix: 'attesto',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'r',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      ...(o.authorizer ? { authorizer: o.authorizer } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    ...(o.body !== undefined ? { body: o.body } : {}),
    isBase64Encoded: o.base64 ?? false,
  };
}
