/** Items per batch call: a class per call, a year group as a job of calls (see the README, Performance). */
export const MAX_BATCH_ITEMS = 100;
