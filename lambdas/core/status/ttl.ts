/**
 * How long verifiers may cache a list (the spec's `ttl`, milliseconds): the same minute as the
 * route's `Cache-Control: max-age`, which the specification asks `ttl` to align with (Bitstring
 * Status List v1.0 §2.2), so that a revocation reaches every cache within a minute.
 */
export const STATUS_LIST_TTL_MS = 60_000;
