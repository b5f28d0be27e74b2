/**
 * How the DynamoDB stores call the service: a failed condition is an answer (the core decides
 * what it means), a malformed request is INTERNAL (500: ours to mend), any other failure is
 * STORE_UNAVAILABLE (503, retryable). The SDK client has
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
    // A request DynamoDB finds malformed is ours to mend: a retry would meet the same refusal.
    if ((e as { name?: string } | undefined)?.name === 'ValidationException') throw new AttestoError('INTERNAL', `the store refused a malformed request (${what})`, { cause: e });
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
