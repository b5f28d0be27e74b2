/**
 * The route table: the single source of routes for the Lambda apps, the local server and the
 * CDK stack. One Lambda per group, so each function gets only the permissions its routes need.
 * Paths use API Gateway syntax ({param}).
 */
export type RouteGroup = 'issuer' | 'verifier' | 'documents' | 'operator';

/** public: anyone; school: a school's credentials (bearer token); operator: the platform operator. */
export type RouteAuth = 'public' | 'school' | 'operator';

export interface RouteDef {
  method: 'GET' | 'POST';
  path: string;
  group: RouteGroup;
  auth: RouteAuth;
  operationId: string;
  summary: string;
  /** $id of the JSON body schema, for OpenAPI. */
  body?: string;
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'POST', path: '/credentials/issue', group: 'issuer', auth: 'school', operationId: 'issueCredential', summary: 'Issue a credential (VC-API). Optional Idempotency-Key header.', body: 'IssueRequest' },
  { method: 'POST', path: '/credentials/issue/batch', group: 'issuer', auth: 'school', operationId: 'issueBatch', summary: 'Issue many credentials in one call, with a result per item; retry-safe per item.', body: 'IssueBatchRequest' },
  { method: 'POST', path: '/credentials/status', group: 'issuer', auth: 'school', operationId: 'updateStatus', summary: 'Revoke, suspend or unsuspend a credential (VC-API).', body: 'UpdateStatusRequest' },
  { method: 'GET', path: '/schools/{uai}/audit', group: 'issuer', auth: 'school', operationId: 'readAudit', summary: "The school's audit trail (query: from, to, limit, cursor)." },
  { method: 'POST', path: '/credentials/verify', group: 'verifier', auth: 'public', operationId: 'verifyCredential', summary: 'Verify a credential (VC-API): 200 verified, 400 not.', body: 'VerifyRequest' },
  { method: 'GET', path: '/schools/{uai}/did.json', group: 'documents', auth: 'public', operationId: 'didDocument', summary: "The school's did:web DID document." },
  { method: 'GET', path: '/schools/{uai}/status-lists/{purpose}/{list}', group: 'documents', auth: 'public', operationId: 'statusList', summary: 'A signed Bitstring Status List credential (application/vc+jwt).' },
  { method: 'GET', path: '/schemas/{name}', group: 'documents', auth: 'public', operationId: 'schema', summary: 'JSON Schemas of the credential kinds and requests.' },
  { method: 'GET', path: '/openapi.json', group: 'documents', auth: 'public', operationId: 'openapi', summary: 'This API, as OpenAPI 3.1.' },
  { method: 'GET', path: '/health', group: 'documents', auth: 'public', operationId: 'health', summary: 'Liveness.' },
  { method: 'POST', path: '/schools', group: 'operator', auth: 'operator', operationId: 'registerSchool', summary: 'Register a school (operator).', body: 'RegisterSchoolRequest' },
];

export const ROUTE_GROUPS: readonly RouteGroup[] = ['issuer', 'verifier', 'documents', 'operator'];

/** `/schools/{uai}/did.json` → `/schools/:uai/did.json` (Hono syntax). */
export const toHonoPath = (path: string) => path.replace(/\{([a-zA-Z]+)\}/g, ':$1');

/** A matcher for a route path, as API Gateway matches it (one segment per parameter). */
export function routeRegex(path: string): RegExp {
  const pattern = path
    .split(/(\{[a-zA-Z]+\})/)
    .map((part) => (/^\{[a-zA-Z]+\}$/.test(part) ? `(?<${part.slice(1, -1)}>[^/]+)` : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`);
}
