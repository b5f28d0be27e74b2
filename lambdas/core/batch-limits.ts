/** Items per batch call: a class per call, a year group as a job of calls (see the README, Performance). */
export const MAX_BATCH_ITEMS = 100;

/** A batch's Idempotency-Key (and a job's key): every item's own key is made from it. */
export const BATCH_KEY = /^[A-Za-z0-9._-]{8,63}$/;
