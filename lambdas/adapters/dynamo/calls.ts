/**
 * How the DynamoDB stores call the service: a failed condition is an answer (the core decides
 * what it means), any other failure is STORE_UNAVAILABLE (503, retryable). The SDK client has
 * already retried throttling by then.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AttestoError } from '../../core/errors';

/** Runs `fn`; a failed condition is rethrown as is, any other failure of the service becomes STORE_UNAVAILABLE. */
export async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || e instanceof AttestoError) throw e;
    throw new AttestoError('STORE_UNAVAILABLE', `storage is unavailable (${what}); retry`, { cause: e, retryAfter: 1 });
  }
}

/** A conditional write: its result, or `false` when the condition did not hold. */
export async function conditionalCall<T>(what: string, fn: () => Promise<T>): Promise<T | false> {
  try {
    return await storeCall(what, fn);
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}
