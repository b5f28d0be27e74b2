/** Reading a JSON request body: media type, size, syntax, then schema, each with its own 4xx. */
import type { Context } from 'hono';
import { AttestoError } from '../core/errors';
import { assertValid, type Validator } from '../core/validation';

/** `validate` is the body's compiled validator (core/generated/validators.ts). */
export async function readJson<T>(c: Context, validate: Validator, maxBytes: number, what = 'the request body'): Promise<T> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new AttestoError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new AttestoError('BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength > maxBytes) throw new AttestoError('BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new AttestoError('INVALID_JSON', 'the body is not valid UTF-8 JSON');
  }
  assertValid<T>(validate, value, what);
  return value as T;
}
