/**
 * What every entry does with an error before answering: an AttestoError is answered as it is
 * (logged when it is our side that is unavailable); anything else is logged in full and answered
 * as a 500 that reveals nothing.
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
  logger.error('unexpected error', err as Error);
  return new AttestoError('INTERNAL', 'an unexpected error occurred');
}
