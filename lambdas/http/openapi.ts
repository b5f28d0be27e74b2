/**
 * The published JSON Schemas and the OpenAPI description, generated from the very schemas that
 * validate requests and credentials, so documentation and behaviour cannot drift apart.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { KINDS } from '../core/kinds';
import { SCHEMAS } from '../core/schemas';
import { CreateOfferRequest, IssueRequest, RegisterSchoolRequest, RotateKeyRequest, UpdateStatusRequest, VerifyPresentationRequest, VerifyRequest, WithdrawOfferRequest } from '../core/requests';
import { IssueBatchRequest } from '../core/batch-request';
import { ROUTES } from './routes';

const DRAFT = 'http://json-schema.org/draft-07/schema#';
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

export function openApiDocument(publicUrl: string) {
  const schemas = publishedSchemas(publicUrl);
  const components: Record<string, unknown> = {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details with a stable code.',
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        code: { type: 'string' },
        errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  };
  for (const [name, s] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = s;
    components[name] = rest;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.group],
      ...(params.length ? { parameters: params } : {}),
      ...(r.auth === 'public' ? { security: [] } : { security: [{ [r.auth === 'school' ? 'schoolToken' : 'operatorToken']: [] }] }),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${BODY_SCHEMA[r.body]}` } } } } } : {}),
      responses: {
        [['issueCredential', 'registerSchool', 'createOffer', 'rotateKey'].includes(r.operationId) ? '201' : '200']: { description: 'Success' },
        ...(r.operationId === 'verifyCredential' || r.operationId === 'verifyPresentation' ? { '400': { description: 'Not verified: {verified: false, checks, errors}, or a problem for a malformed request' } } : {}),
        default: { description: 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
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
      },
    },
  };
}
