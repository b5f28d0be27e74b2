/**
 * The tags per-school signing isolation rests on, shared by the runtime (which sets them) and the
 * CDK stack (whose IAM conditions read them). No imports: the stack loads this file.
 */

/** Tag of every school key: the school it belongs to. */
export const KEY_SCHOOL_TAG = 'attesto:uai';
/** Session tag naming the school a signing session may sign for. */
export const SESSION_SCHOOL_TAG = 'uai';
