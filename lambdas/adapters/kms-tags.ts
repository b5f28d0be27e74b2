/**
 * The tags per-school signing isolation rests on, shared by the runtime (which sets them) and the
 * CDK stack (whose IAM conditions read them). No imports: the stack loads this file.
 */

/** Tag of every school key: the school it belongs to. */
export const KEY_SCHOOL_TAG = 'attesto:uai';
/** Session tag naming the school a signing session may sign for. */
export const SESSION_SCHOOL_TAG = 'uai';
/**
 * The IAM path of the school signer role is this, then the stack's region and name
 * (`/attesto/eu-west-3/Attesto/`):
 * school key policies let roles of that path sign, so a signer role replaced by a deployment
 * (a new generated name) still signs with the keys made before it.
 */
export const SIGNER_ROLE_PATH_PREFIX = '/attesto/';
