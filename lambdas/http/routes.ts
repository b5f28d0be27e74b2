/**
 * The route table: the single source of routes for the Lambda apps, the local server and the
 * CDK stack. One Lambda per group, so each function gets only the permissions its routes need.
 * Paths use API Gateway syntax ({param}).
 */
export type RouteGroup = 'issuer' | 'verifier' | 'documents' | 'operator' | 'wallet';

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
  { method: 'POST', path: '/presentations/verify', group: 'verifier', auth: 'public', operationId: 'verifyPresentation', summary: "Verify a holder's presentation and each credential in it (VC-API): 200 verified, 400 not.", body: 'VerifyPresentationRequest' },
  { method: 'GET', path: '/schools/{uai}/did.json', group: 'documents', auth: 'public', operationId: 'didDocument', summary: "The school's did:web DID document." },
  { method: 'GET', path: '/schools/{uai}/status-lists/{purpose}/{list}', group: 'documents', auth: 'public', operationId: 'statusList', summary: 'A signed status list: a Bitstring Status List credential (revocation, suspension: application/vc+jwt) or the Status List Token of SD-JWT VCs (token: application/statuslist+jwt).' },
  { method: 'GET', path: '/.well-known/jwt-vc-issuer/schools/{uai}', group: 'documents', auth: 'public', operationId: 'jwtVcIssuerMetadata', summary: "JWT VC Issuer Metadata of a school: the keys that sign its SD-JWT VCs (draft-ietf-oauth-sd-jwt-vc §4)." },
  { method: 'GET', path: '/vct/{name}', group: 'documents', auth: 'public', operationId: 'typeMetadata', summary: 'SD-JWT VC Type Metadata of a credential kind (enrollment, transcript, diploma): its vct URL.' },
  { method: 'GET', path: '/schemas/{name}', group: 'documents', auth: 'public', operationId: 'schema', summary: 'JSON Schemas of the credential kinds and requests.' },
  { method: 'GET', path: '/openapi.json', group: 'documents', auth: 'public', operationId: 'openapi', summary: 'This API, as OpenAPI 3.1.' },
  { method: 'GET', path: '/health', group: 'documents', auth: 'public', operationId: 'health', summary: 'Liveness.' },
  { method: 'POST', path: '/schools', group: 'operator', auth: 'operator', operationId: 'registerSchool', summary: 'Register a school (operator).', body: 'RegisterSchoolRequest' },
  { method: 'POST', path: '/schools/{uai}/key-rotations', group: 'operator', auth: 'operator', operationId: 'rotateKey', summary: "Rotate a school's signing key (operator): a new KMS key, listed in its DID document.", body: 'RotateKeyRequest' },
  { method: 'POST', path: '/schools/{uai}/status-list-republications', group: 'operator', auth: 'operator', operationId: 'republishStatusLists', summary: "Sign a school's status lists again with its current key, and record its saved audit events (operator)." },
  // OpenID4VCI 1.0: a school offers a credential; a wallet fetches it (pre-authorized code flow).
  { method: 'POST', path: '/offers', group: 'wallet', auth: 'school', operationId: 'createOffer', summary: 'Offer a credential to a wallet: link, QR code (PNG, SVG), optional PIN.', body: 'CreateOfferRequest' },
  // Not under /offers/: CloudFront caches /offers/* (public GETs of offers by reference).
  { method: 'POST', path: '/offer-withdrawals', group: 'wallet', auth: 'school', operationId: 'withdrawOffer', summary: "Withdraw one of the school's offers before a wallet redeems it: its link then leads nowhere, and the data it held is deleted.", body: 'WithdrawOfferRequest' },
  { method: 'GET', path: '/.well-known/openid-credential-issuer', group: 'wallet', auth: 'public', operationId: 'issuerMetadataRoot', summary: 'OpenID4VCI Credential Issuer metadata of the deployment.' },
  { method: 'GET', path: '/.well-known/openid-credential-issuer/schools/{uai}', group: 'wallet', auth: 'public', operationId: 'issuerMetadata', summary: "OpenID4VCI Credential Issuer metadata of a school." },
  { method: 'GET', path: '/.well-known/oauth-authorization-server', group: 'wallet', auth: 'public', operationId: 'authServerMetadataRoot', summary: 'OAuth 2.0 authorization server metadata (RFC 8414) of the deployment.' },
  { method: 'GET', path: '/.well-known/oauth-authorization-server/schools/{uai}', group: 'wallet', auth: 'public', operationId: 'authServerMetadata', summary: "OAuth 2.0 authorization server metadata of a school." },
  // Where wallets built on the drafts look (OpenID4VCI drafts up to 15, §11.2.2: the suffix appended to the issuer
  // identifier, not inserted after the host as 1.0 §12.2.2 and RFC 8414 §3.1 do): the same documents.
  { method: 'GET', path: '/schools/{uai}/.well-known/openid-credential-issuer', group: 'wallet', auth: 'public', operationId: 'issuerMetadataAppended', summary: "A school's Credential Issuer metadata where pre-1.0 wallets look for it (the same document)." },
  { method: 'GET', path: '/schools/{uai}/.well-known/oauth-authorization-server', group: 'wallet', auth: 'public', operationId: 'authServerMetadataAppended', summary: "A school's authorization server metadata where pre-1.0 wallets look for it (the same document)." },
  { method: 'GET', path: '/offers/{offer}', group: 'wallet', auth: 'public', operationId: 'credentialOffer', summary: 'A credential offer by reference (credential_offer_uri).' },
  { method: 'POST', path: '/token', group: 'wallet', auth: 'public', operationId: 'token', summary: 'Pre-authorized code (and PIN) for an access token.' },
  { method: 'POST', path: '/nonce', group: 'wallet', auth: 'public', operationId: 'nonce', summary: 'A fresh c_nonce for a proof of possession.' },
  { method: 'POST', path: '/credential', group: 'wallet', auth: 'public', operationId: 'credential', summary: "A credential bound to the wallet's key (access token + proof)." },
];

/** API Gateway's route key: `POST /credentials/verify`. */
export const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/**
 * The methods a route answers: a GET route answers HEAD too, with the same header fields and no
 * body (RFC 9110 §9.3.2: a monitor, or a client checking an ETag, asks for no more). Hono serves a
 * HEAD with the GET handler; the gateway needs a route for each method.
 */
export const methodsOf = (route: Pick<RouteDef, 'method'>): ('GET' | 'HEAD' | 'POST')[] => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]);

export const ROUTE_GROUPS: readonly RouteGroup[] = ['issuer', 'verifier', 'documents', 'operator', 'wallet'];

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
