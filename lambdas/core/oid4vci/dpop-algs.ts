/**
 * The algorithms a DPoP proof may use (RFC 9449 §5.1, `dpop_signing_alg_values_supported`; the
 * checks are in ./dpop.ts). Its own module: the challenge every function may answer names them,
 * without bundling the proof checks or the metadata into functions that have no wallet routes.
 */
export const DPOP_ALGS = ['ES256'] as const;
