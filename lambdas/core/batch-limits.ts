/** Items per batch call: a class per call, a year group as a job of calls (see the README, Performance). */
export const MAX_BATCH_ITEMS = 100;

/** The largest batch body the service reads: 16 KiB an item on average is generous (a long transcript is about 34 KiB). */
export const BATCH_MAX_BODY_BYTES = MAX_BATCH_ITEMS * 16 * 1024;

/** A single issuance's Idempotency-Key (optional). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** A batch's Idempotency-Key (and a job's key): every item's own key is made from it. */
export const BATCH_KEY = /^[A-Za-z0-9._-]{8,63}$/;
