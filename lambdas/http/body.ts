/**
 * Reading a JSON request body: media type, size, syntax, then schema, each with its own 4xx.
 * The checks are plain functions so that the Hono routes and the framework-free verify entry
 * (./verify-lambda.ts) refuse the same bodies with the same problems.
 */
import type { Context } from 'hono';
import { AttestoError } from '../core/errors';
import { assertValid, type Validator } from '../core/validation';

const JSON_MEDIA_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;
// `fatal`: malformed UTF-8 is refused, not replaced. Reusable: decode() without `stream` resets it.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Refuses a body that is not JSON, or that declares more than `maxBytes`, before reading it. */
export function checkJsonHeaders(contentType: string | undefined, contentLength: string | undefined, maxBytes: number): void {
  if (!JSON_MEDIA_TYPE.test(contentType ?? '')) throw new AttestoError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be misread, not converted.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType!)?.[1];
  if (charset !== undefined && !/^(utf-?8|us-ascii)$/i.test(charset)) throw new AttestoError('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json in UTF-8, not ${charset.slice(0, 40)}`);
  if (Number(contentLength ?? '0') > maxBytes) throw new AttestoError('BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
}

/**
 * The body's JSON value, once it conforms to `validate` (a compiled validator of
 * core/generated/validators.ts). `raw` is bytes, or text already decoded (a Lambda event body).
 */
export function decodeJson<T>(raw: Uint8Array | string, validate: Validator, maxBytes: number, what = 'the request body'): T {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > maxBytes) throw new AttestoError('BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : utf8.decode(raw));
  } catch {
    throw new AttestoError('INVALID_JSON', 'the body is not valid UTF-8 JSON');
  }
  assertValid<T>(validate, value, what);
  return value as T;
}

export async function readJson<T>(c: Context, validate: Validator, maxBytes: number, what = 'the request body'): Promise<T> {
  checkJsonHeaders(c.req.header('content-type'), c.req.header('content-length'), maxBytes);
  return decodeJson<T>(new Uint8Array(await c.req.arrayBuffer()), validate, maxBytes, what);
}
