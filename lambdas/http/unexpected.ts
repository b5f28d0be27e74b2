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
 * name, code and where it was thrown, its message with quoted text, dates and long numbers blanked.
 * Messages quote their input ("Unexpected token 'Z', "Zéphyrine"... is not valid JSON"), and
 * libraries' errors carry more of it in their own properties (a URL's `input`, an item), which a
 * full dump would keep in the logs for a year.
 */
export function redacted(err: unknown): { error: { name: string; code?: string; message: string; stack: string[]; cause?: string } } {
  const e = err instanceof Error ? err : new Error(typeof err);
  const code = (e as { code?: unknown }).code;
  const message = e.message.replace(/(["'`])(?:(?!\1).)*\1/g, '$1…$1').replace(/\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?/g, '…').replace(/\d{4,}/g, '…').slice(0, 300);
  const stack = (e.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 12).map((line) => line.trim());
  return { error: { name: e.name, ...(typeof code === 'string' ? { code } : {}), message, stack, ...(e.cause instanceof Error ? { cause: e.cause.name } : {}) } };
}
