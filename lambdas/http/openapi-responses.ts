/**
 * What each operation answers when it succeeds, for the OpenAPI description (./openapi.ts): media
 * types, bodies and header fields, so that a client generated from it reads the answers it gets.
 * Failures are described there (problem+json, or OAuth errors on the wallet routes).
 */
import { ERROR_STATUS } from '../core/errors';
import { REQUIRED_CHECKS, VERIFY_ERROR_CODES } from '../core/verify/result';
import { REQUIRED_PRESENTATION_CHECKS } from '../core/verify/presentation-result';

type Schema = Record<string, unknown>;

const string = { type: 'string' };
const object = (properties: Record<string, Schema>, required: string[] = [], more = true): Schema => ({ type: 'object', required, properties, ...(more ? {} : { additionalProperties: false }) });
const json = (schema: Schema) => ({ 'application/json': { schema } });

/** A credential as the issue answer carries it: a compact JWS (jwt_vc), an SD-JWT (dc+sd-jwt), or the VC-API envelope (vc+jwt). */
const issuedCredential: Schema = {
  oneOf: [
    { ...string, description: 'jwt_vc: the compact JWS; dc+sd-jwt: the SD-JWT with every disclosure, ending in ~' },
    object({ '@context': {}, id: { ...string, pattern: '^data:application/vc\\+jwt,' }, type: { const: 'EnvelopedVerifiableCredential' } }, ['id', 'type']),
  ],
};

const warnings = { type: 'array', items: object({ code: string, message: string }, ['code', 'message']) };

/** POST /credentials/verify's answer (core/verify/result.ts), 200 when verified, 400 when not. */
export const VERIFY_RESULT: Schema = object(
  {
    verified: { type: 'boolean' },
    checks: { type: 'array', items: { enum: [...REQUIRED_CHECKS] }, description: 'The checks passed.' },
    errors: { type: 'array', items: object({ code: { enum: [...VERIFY_ERROR_CODES] }, check: { enum: [...REQUIRED_CHECKS] }, message: string }, ['code', 'check', 'message']) },
    warnings,
    issuer: object({ did: string, iss: string, uai: string, name: string }),
    credential: object({ id: string, type: { type: 'array', items: string }, kind: string, format: { enum: ['jwt_vc', 'vc+jwt', 'dc+sd-jwt'] }, validFrom: string, validUntil: string }, ['type', 'format']),
    disclosed: { type: 'object', description: 'An SD-JWT VC: the claims its holder disclosed (once verified).' },
  },
  ['verified', 'checks', 'errors', 'warnings'],
);

/** POST /presentations/verify's answer (core/verify/presentation-result.ts). */
export const PRESENTATION_RESULT: Schema = object(
  {
    verified: { type: 'boolean' },
    checks: { type: 'array', items: { enum: [...REQUIRED_PRESENTATION_CHECKS] } },
    errors: { type: 'array', items: object({ code: string, check: { enum: [...REQUIRED_PRESENTATION_CHECKS] }, message: string, credential: { type: 'integer', minimum: 0 } }, ['code', 'check', 'message']) },
    warnings,
    holder: string,
    credentials: { type: 'array', items: { $ref: '#/components/schemas/VerifyResult' } },
  },
  ['verified', 'checks', 'errors', 'warnings', 'credentials'],
);

/** The stable codes of problem+json answers. */
export const PROBLEM_CODES = Object.keys(ERROR_STATUS);

const etagged = (mediaTypes: string | string[], schema: Schema, description: string) => ({
  '200': { description, headers: { ETag: { schema: string }, 'Cache-Control': { schema: string } }, content: Object.fromEntries([mediaTypes].flat().map((m) => [m, { schema }])) },
  '304': { description: 'Not modified: the If-None-Match ETag is current (no body).', headers: { ETag: { schema: string } } },
});
const jws = { ...string, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' };
const replayed = { 'Idempotent-Replayed': { description: 'true when the answer is a replay under the same Idempotency-Key.', schema: { const: 'true' } } };

/** Each operation's success answers, by operationId. */
export const SUCCESS: Record<string, Record<string, unknown>> = {
  issueCredential: {
    '201': {
      description: 'Issued (or replayed under its Idempotency-Key).',
      headers: replayed,
      content: json(object({ verifiableCredential: issuedCredential, credentialId: { ...string, pattern: '^urn:attesto:' }, kind: string, format: { enum: ['jwt_vc', 'vc+jwt', 'dc+sd-jwt'] } }, ['verifiableCredential', 'credentialId', 'kind', 'format'])),
    },
  },
  issueBatch: { '200': { description: 'A result per item, in order, and a summary (see the README).', content: json(object({ results: { type: 'array', items: { type: 'object' } } }, ['results'])) } },
  updateStatus: { '200': { description: "The credential's status now.", content: json({ type: 'object' }) } },
  readAudit: { '200': { description: 'A page of events, oldest first, and the cursor of the next.', content: json(object({ events: { type: 'array', items: object({ at: string, action: string, actor: string }, ['at', 'action', 'actor']) }, next: string }, ['events'])) } },
  verifyCredential: { '200': { description: 'Verified.', content: json({ $ref: '#/components/schemas/VerifyResult' }) } },
  verifyPresentation: { '200': { description: 'Verified.', content: json({ $ref: '#/components/schemas/PresentationResult' }) } },
  didDocument: etagged('application/did+json', object({ id: string, verificationMethod: { type: 'array' }, assertionMethod: { type: 'array' } }, ['id']), "The school's DID document."),
  statusList: etagged(['application/vc+jwt', 'application/statuslist+jwt'], jws, 'The signed list: a Bitstring Status List credential (revocation, suspension), or the Status List Token (token).'),
  jwtVcIssuerMetadata: etagged('application/json', object({ issuer: string, jwks: object({ keys: { type: 'array' } }, ['keys']) }, ['issuer', 'jwks']), 'JWT VC Issuer Metadata.'),
  typeMetadata: etagged('application/json', object({ vct: string }, ['vct']), 'SD-JWT VC Type Metadata.'),
  schema: etagged('application/schema+json', { type: 'object' }, 'A JSON Schema (2020-12).'),
  openapi: etagged('application/json', { type: 'object' }, 'This document.'),
  health: { '200': { description: 'Alive.', content: json(object({ status: { const: 'ok' } }, ['status'])) } },
  registerSchool: { '201': { description: 'Registered: its DID, key and credentials (shown once).', content: json(object({ uai: string, did: string }, ['uai', 'did'])) } },
  rotateKey: { '201': { description: 'Rotated (or replayed).', headers: replayed, content: json({ type: 'object' }) } },
  republishStatusLists: { '200': { description: 'Lists signed again.', content: json({ type: 'object' }) } },
  createOffer: { '201': { description: 'The offer: its link, QR codes and PIN when it has one.', content: json(object({ offerId: string, state: string }, ['offerId'])) } },
  withdrawOffer: { '200': { description: 'Withdrawn.', content: json(object({ offerId: string, state: string }, ['offerId', 'state'])) } },
  credentialOffer: { '200': { description: 'The credential offer (OpenID4VCI 1.0 §4.1).', content: json(object({ credential_issuer: string, credential_configuration_ids: { type: 'array', items: string }, grants: { type: 'object' } }, ['credential_issuer', 'credential_configuration_ids'])) } },
  token: {
    '200': {
      description: 'An access token (RFC 6749 §5.1).',
      headers: { 'Cache-Control': { schema: { const: 'no-store' } } },
      content: json(object({ access_token: string, token_type: { enum: ['Bearer', 'DPoP'] }, expires_in: { type: 'integer' }, authorization_details: { type: 'array' } }, ['access_token', 'token_type', 'expires_in'])),
    },
  },
  nonce: { '200': { description: 'A fresh c_nonce (OpenID4VCI 1.0 §7).', content: json(object({ c_nonce: string, c_nonce_expires_in: { type: 'integer' } }, ['c_nonce'])) } },
  credential: {
    '200': {
      description: 'The credential, bound to the wallet key: {credentials: [{credential}]} (1.0), or {credential, format} to a request in the earlier `proof` form.',
      content: json({ oneOf: [object({ credentials: { type: 'array', minItems: 1, items: object({ credential: string }, ['credential']) } }, ['credentials']), object({ credential: string, format: string }, ['credential', 'format'])] }),
    },
  },
};

/** Metadata documents (wallet group), served with a 5-minute cache. */
for (const id of ['issuerMetadataRoot', 'issuerMetadata', 'authServerMetadataRoot', 'authServerMetadata', 'issuerMetadataAppended', 'authServerMetadataAppended']) {
  SUCCESS[id] = { '200': { description: id.startsWith('issuer') ? 'Credential Issuer metadata (OpenID4VCI 1.0 §12.2).' : 'Authorization server metadata (RFC 8414).', content: json({ type: 'object' }) } };
}

/** Path parameters, as the routes read them. */
export const PATH_PARAMETERS: Record<string, Schema> = {
  uai: { ...string, pattern: '^[0-9]{7}[A-Z]$', description: "The school's UAI: 7 digits and its check letter." },
  purpose: { enum: ['revocation', 'suspension', 'token'] },
  list: { ...string, pattern: '^[1-9][0-9]{0,5}$' },
  offer: { ...string, description: 'The secret of the offer link.' },
};
