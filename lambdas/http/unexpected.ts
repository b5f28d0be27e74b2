/**
 * What every entry does with an error before answering: an AttestoError is answered as it is
 * (logged when it is our side that is unavailable); anything else is logged, without what the
 * request carried, and answered as a 500 that reveals nothing.
 */
import { AttestoError, isAttestoError } from '../core/errors';
import { logger } from './logger';
import { count } from './metrics';

export function problemFor(err: unknown): AttestoError {
  if (isAttestoError(err)) {
    if (err.status >= 500) logger.warn('unavailable', { code: err.code, cause: String((err.cause as Error | undefined)?.name ?? '') });
    if (err.code === 'SIGNER_UNAVAILABLE' || err.code === 'SIGNING_KEY_UNUSABLE') count('SignerUnavailable');
    return err;
  }
  logger.error('unexpected error', redacted(err));
  return new AttestoError('INTERNAL', 'an unexpected error occurred');
}

/**
 * What the on-call operator needs of an unexpected error, and none of the request in it: its
 * name, code and where it was thrown. Not its message: messages quote what they read ("Unexpected
 * token 'Z', "Zéphyrine"... is not valid JSON", "Cannot convert Zoé to a BigInt"), and no blanking
 * of quotes or numbers catches them all (an apostrophe in O'Brien defeats it); libraries' errors
 * carry more of it in their own properties (a URL's `input`, an item), and logs are kept a year.
 * The stack's frames say where; the error reproduces from there.
 */
export function redacted(err: unknown): { error: { name: string; code?: string; stack: string[]; cause?: string } } {
  // Not an Error (a thrown string, say): its type only, and no frames (they would be this function's).
  if (!(err instanceof Error)) return { error: { name: typeof err, stack: [] } };
  const e = err;
  const code = (e as { code?: unknown }).code;
  // After the stack's header, `${name}: ${message}`, however many lines the message has (one may look like a frame).
  const header = (e.message ? `${e.name}: ${e.message}` : e.name).split('\n').length;
  const stack = (e.stack ?? '').split('\n').slice(header).filter((line) => /^\s+at /.test(line)).slice(0, 12).map((line) => line.trim().slice(0, 300));
  return { error: { name: e.name.slice(0, 100), ...(typeof code === 'string' ? { code: code.slice(0, 100) } : {}), stack, ...(e.cause instanceof Error ? { cause: e.cause.name.slice(0, 100) } : {}) } };
}
