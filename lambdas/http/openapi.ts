/**
 * The published JSON Schemas and the OpenAPI description, generated from the very schemas that
 * validate requests and credentials, so documentation and behaviour cannot drift apart.
 */
import { COMPACT_JWS } from '../core/verify/jws';
import { Type, type TSchema } from '@sinclair/typebox';
import { KINDS } from '../core/kinds';
import { SCHEMAS } from '../core/schemas';
import { CreateOfferRequest, IssueRequest, RegisterSchoolRequest, RotateKeyRequest, UpdateStatusRequest, VerifyPresentationRequest, VerifyRequest, WithdrawOfferRequest } from '../core/requests';
import { IssueBatchRequest } from '../core/batch-request';
import { BATCH_KEY, IDEMPOTENCY_KEY } from '../core/batch-limits';
import { MAX_AUDIT_PAGE } from '../core/use-cases/read-audit';
import { ROUTES } from './routes';
import { PATH_PARAMETERS, PRESENTATION_RESULT, PROBLEM_CODES, SUCCESS, VERIFY_RESULT } from './openapi-responses';

/**
 * JSON Schema 2020-12: the one version VC JSON Schema requires verifiers to support (§ JSON Schema
 * Specifications), and OpenAPI 3.1's own dialect.
 */
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const clone = (s: TSchema) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

let memo: { base: string; schemas: Record<string, Record<string, unknown>> } | undefined;

/** name → schema, served at /schemas/{name}.json. */
export function publishedSchemas(publicUrl: string): Record<string, Record<string, unknown>> {
  if (memo?.base === publicUrl) return memo.schemas;
  const schemas: Record<string, Record<string, unknown>> = {};
  const add = (name: string, title: string, schema: TSchema) => {
    schemas[name] = { $schema: DRAFT, ...clone(schema), $id: `${publicUrl}/schemas/${name}.json`, title };
  };
  for (const k of Object.values(KINDS)) {
    add(k.slug, `${k.kind} — credentialSubject sent to POST /credentials/issue`, SCHEMAS[k.schemas.input]);
    add(
      `${k.slug}-credential`,
      `${k.kind} — the issued credential`,
      Type.Object({ type: Type.Array(Type.String(), { minItems: 1, contains: Type.Literal(k.kind) }), credentialSubject: SCHEMAS[k.schemas.subject] }, { additionalProperties: true }),
    );
  }
  add('issue-request', 'POST /credentials/issue', IssueRequest);
  add('issue-batch-request', 'POST /credentials/issue/batch', IssueBatchRequest);
  add('update-status-request', 'POST /credentials/status', UpdateStatusRequest);
  add('verify-request', 'POST /credentials/verify', VerifyRequest);
  add('verify-presentation-request', 'POST /presentations/verify', VerifyPresentationRequest);
  add('register-school-request', 'POST /schools', RegisterSchoolRequest);
  add('rotate-key-request', 'POST /schools/{uai}/key-rotations', RotateKeyRequest);
  add('create-offer-request', 'POST /offers', CreateOfferRequest);
  add('withdraw-offer-request', 'POST /offer-withdrawals', WithdrawOfferRequest);
  memo = { base: publicUrl, schemas };
  return schemas;
}

const BODY_SCHEMA: Record<string, string> = {
  IssueRequest: 'issue-request',
  UpdateStatusRequest: 'update-status-request',
  VerifyRequest: 'verify-request',
  VerifyPresentationRequest: 'verify-presentation-request',
  RegisterSchoolRequest: 'register-school-request',
  RotateKeyRequest: 'rotate-key-request',
  IssueBatchRequest: 'issue-batch-request',
  CreateOfferRequest: 'create-offer-request',
  WithdrawOfferRequest: 'withdraw-offer-request',
};

const header = (name: string, required: boolean, pattern: RegExp, description: string) => ({ name, in: 'header', required, description, schema: { type: 'string', pattern: pattern.source } });
const query = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, description, schema });
const oauthErrors = { default: { description: 'OAuth 2.0 error (RFC 6749 §5.2), not problem+json: what wallets expect', content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } } } };

/** What the route table does not say: headers, query parameters, bodies that are not JSON schemas of ours, OAuth errors. */
const EXTRA: Record<string, { parameters?: unknown[]; requestBody?: unknown; security?: unknown[]; responses?: Record<string, unknown> }> = {
  issueCredential: { parameters: [header('Idempotency-Key', false, IDEMPOTENCY_KEY, 'Makes a resend answer the same credential (24 hours); the answer then carries Idempotent-Replayed: true.')] },
  issueBatch: { parameters: [header('Idempotency-Key', true, BATCH_KEY, "The batch's (or job's) key: each item's key is batch/<this key>/<item id>, so resending the batch, or any of its items, is safe.")] },
  readAudit: {
    parameters: [
      query('from', { type: 'string' }, 'RFC 3339 date or date-time; default: 7 days before `to`.'),
      query('to', { type: 'string' }, 'RFC 3339 date (that whole day) or date-time; default: now. At most 31 days after `from`.'),
      query('limit', { type: 'integer', minimum: 1, maximum: MAX_AUDIT_PAGE, default: 100 }, 'Events per page.'),
      query('cursor', { type: 'string' }, "The `next` of the page before: it continues that page's window, so send it alone (with another from or to it is a 400)."),
    ],
  },
  token: {
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            required: ['grant_type', 'pre-authorized_code'],
            properties: {
              grant_type: { const: 'urn:ietf:params:oauth:grant-type:pre-authorized_code' },
              'pre-authorized_code': { type: 'string' },
              tx_code: { type: 'string', description: "The offer's 6-digit PIN, when it has one. Empty parameters count as omitted (RFC 6749 §3.2)." },
              authorization_details: {
                type: 'string',
                description:
                  'Optional (RFC 9396, OpenID4VCI 1.0 §6.1): a JSON array of `{"type": "openid_credential", "credential_configuration_id": <the offer\'s>, "locations"?: [<the issuer>]}`. The token response then holds `authorization_details` with `credential_identifiers`, and the credential request names the credential by `credential_identifier`. Anything else is `invalid_authorization_details`.',
              },
            },
          },
        },
      },
    },
    parameters: [header('DPoP', false, COMPACT_JWS, 'A DPoP proof (RFC 9449 §5): the token is then bound to its key, and the response says token_type DPoP.')],
    responses: oauthErrors,
  },
  nonce: { responses: oauthErrors },
  credential: {
    security: [{ walletAccessToken: [] }, { walletDpopToken: [] }],
    parameters: [header('DPoP', false, COMPACT_JWS, 'Required with a DPoP-bound token (Authorization: DPoP <token>): a fresh proof by its key, with ath (RFC 9449 §7.1).')],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              credential_configuration_id: { type: 'string', description: 'As the offer and the access token name it (for a token granted without authorization_details).' },
              credential_identifier: { type: 'string', description: 'For a token granted with authorization_details: one of the credential_identifiers its token response named.' },
              credential_response_encryption: { description: 'Not offered (the issuer metadata lists none): a request carrying it is refused with invalid_encryption_parameters.' },
              proofs: { type: 'object', properties: { jwt: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string' } } }, description: 'OpenID4VCI 1.0: one proof of possession of the wallet key (openid4vci-proof+jwt, with the c_nonce).' },
              proof: { type: 'object', properties: { proof_type: { const: 'jwt' }, jwt: { type: 'string' } }, description: 'The earlier drafts\' form; answered as {credential} rather than {credentials}.' },
            },
          },
        },
      },
    },
    responses: oauthErrors,
  },
};

export function openApiDocument(publicUrl: string) {
  const schemas = publishedSchemas(publicUrl);
  const components: Record<string, unknown> = {
    OAuthError: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'string',
          description:
            'invalid_request, invalid_grant, unsupported_grant_type, invalid_authorization_details, invalid_dpop_proof (token); invalid_token, invalid_dpop_proof, invalid_credential_request, unknown_credential_configuration, unknown_credential_identifier, invalid_proof, invalid_nonce, invalid_encryption_parameters, credential_request_denied, and unsupported_credential_format for the earlier `format` form (credential); temporarily_unavailable (409 or 503, with Retry-After) and server_error (500) at any of the three. A 429 from the edge (WAF) carries `error: temporarily_unavailable` too; API Gateway\'s own throttling answers {"message": "Too Many Requests"}.',
        },
        error_description: { type: 'string' },
      },
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details with a stable code.',
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        code: { enum: PROBLEM_CODES },
        errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  };
  components.VerifyResult = VERIFY_RESULT;
  components.PresentationResult = PRESENTATION_RESULT;
  for (const [name, s] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = s;
    components[name] = rest;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const extra = EXTRA[r.operationId] ?? {};
    const success = SUCCESS[r.operationId] ?? { [['issueCredential', 'registerSchool', 'createOffer', 'rotateKey'].includes(r.operationId) ? '201' : '200']: { description: 'Success' } };
    const conditional = '304' in success ? [header('If-None-Match', false, /.*/, 'An ETag of an earlier answer: 304 without a body while it is current.')] : [];
    const params = [...[...r.path.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: PATH_PARAMETERS[m[1]!] ?? { type: 'string' } })), ...conditional, ...(extra.parameters ?? [])];
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.group],
      ...(params.length ? { parameters: params } : {}),
      security: extra.security ?? (r.auth === 'public' ? [] : [{ [r.auth === 'school' ? 'schoolToken' : 'operatorToken']: [] }]),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${BODY_SCHEMA[r.body]}` } } } } } : extra.requestBody ? { requestBody: extra.requestBody } : {}),
      responses: {
        ...success,
        ...(r.operationId === 'verifyCredential' || r.operationId === 'verifyPresentation'
          ? {
              '400': {
                description: 'Not verified: {verified: false, checks, errors} (application/json), or a problem for a malformed request (application/problem+json)',
                content: {
                  'application/json': { schema: { $ref: `#/components/schemas/${r.operationId === 'verifyCredential' ? 'VerifyResult' : 'PresentationResult'}` } },
                  'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
                },
              },
            }
          : {}),
        default: { description: 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        ...extra.responses,
      },
    };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'attesto', version: '0.1.0', description: 'Issue and verify school credentials: W3C Verifiable Credentials (VC 1.1 JWT, VC 2.0 vc+jwt) and IETF SD-JWT VCs, with OpenID4VCI delivery to wallets.' },
    servers: [{ url: publicUrl }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        schoolToken: { type: 'http', scheme: 'bearer', description: 'A school API token (atst_<uai>_…).' },
        operatorToken: { type: 'http', scheme: 'bearer', description: 'The operator token.' },
        walletAccessToken: { type: 'http', scheme: 'bearer', description: 'An access token from POST /token (pre-authorized code flow).' },
        walletDpopToken: { type: 'http', scheme: 'dpop', description: 'A DPoP-bound access token from POST /token (RFC 9449), sent with a DPoP proof header.' },
      },
    },
  };
}
