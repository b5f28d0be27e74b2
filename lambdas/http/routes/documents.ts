/** Public documents: DID documents, status lists, schemas, the OpenAPI description. Read-only. */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { didDocument, jwtVcIssuerMetadata } from '../../core/did-web';
import { typeMetadata } from '../../core/credential/type-metadata';
import { kindBySlug } from '../../core/kinds';
import { AttestoError } from '../../core/errors';
import { DID_DOCUMENT_MAX_AGE_SECONDS } from '../../core/signing-key';
import { STATUS_LIST_TTL_MS } from '../../core/status/ttl';
import { openApiDocument, publishedSchemas } from '../openapi';
import { schoolOfPath } from './school-of-path';
import type { RouteHandler } from './types';

function etagged(c: Context, body: string, contentType: string, maxAge: number): Response {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = { etag, 'cache-control': `public, max-age=${maxAge}`, 'content-type': contentType };
  const inm = c.req.header('if-none-match');
  // `*` matches any current representation (RFC 9110 §13.1.2): there is one.
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*')) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
}

export const documentRoutes: Record<string, RouteHandler> = {
  async didDocument(c, deps) {
    const school = await schoolOfPath(c, deps.store);
    // Cached no longer than a routine key rotation waits before signing (core/signing-key.ts).
    return etagged(c, JSON.stringify(didDocument(school)), 'application/did+json', DID_DOCUMENT_MAX_AGE_SECONDS);
  },

  async statusList(c, deps) {
    const purpose = c.req.param('purpose');
    const list = c.req.param('list') ?? '';
    if ((purpose !== 'revocation' && purpose !== 'suspension' && purpose !== 'token') || !/^[1-9][0-9]{0,5}$/.test(list)) {
      throw new AttestoError('NOT_FOUND', 'no such status list');
    }
    const school = await schoolOfPath(c, deps.store);
    const published = await deps.store.getPublishedList(school.uai, Number(list), purpose);
    if (!published) throw new AttestoError('NOT_FOUND', 'no such status list');
    // Short shared caching: a revocation reaches cached copies within a minute. The token form is
    // the Status List Token of SD-JWT VCs (draft-ietf-oauth-status-list §8.1 media type).
    return etagged(c, published.jwt, purpose === 'token' ? 'application/statuslist+jwt' : 'application/vc+jwt', STATUS_LIST_TTL_MS / 1000);
  },

  async jwtVcIssuerMetadata(c, deps) {
    const school = await schoolOfPath(c, deps.store);
    // The same keys as the DID document, cached as long (a routine rotation lists the next key first).
    return etagged(c, JSON.stringify(jwtVcIssuerMetadata(deps.config.publicUrl, school)), 'application/json', DID_DOCUMENT_MAX_AGE_SECONDS);
  },

  async typeMetadata(c, deps) {
    const kind = kindBySlug(c.req.param('name') ?? '');
    if (!kind) throw new AttestoError('NOT_FOUND', 'no such credential type');
    return etagged(c, JSON.stringify(typeMetadata(deps.config.publicUrl, kind)), 'application/json', 3600);
  },

  async schema(c, deps) {
    const name = c.req.param('name') ?? '';
    const schemas = publishedSchemas(deps.config.publicUrl);
    const key = name.replace(/\.json$/, '');
    // Own properties only: "constructor" or "__proto__" must not reach Object.prototype.
    const schema = Object.hasOwn(schemas, key) ? schemas[key] : undefined;
    if (!schema) throw new AttestoError('NOT_FOUND', `no schema ${name.slice(0, 60)}`);
    return etagged(c, JSON.stringify(schema), 'application/schema+json', 3600);
  },

  async openapi(c, deps) {
    return etagged(c, JSON.stringify(openApiDocument(deps.config.publicUrl)), 'application/json', 3600);
  },

  async health(c) {
    return c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' });
  },
};
