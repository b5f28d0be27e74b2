/**
 * Ports: what the pure core needs from the outside world, as plain types.
 * Adapters (KMS, local keys, DynamoDB, network) implement them; tests inject fakes or real local parts.
 */
import type { JWK } from 'jose';

/** The current time. Injected so the core never calls Date.now(). */
export type Clock = () => Date;

/** Uniform random integer in [0, max). Injected for herd-privacy index choice and tests. */
export type RandomInt = (max: number) => number;

/** Random URL-safe token material (base64url), `bytes` long before encoding. */
export type RandomToken = (bytes: number) => string;

/**
 * Signs with a school's key. Returns the JWS form of an ES256 signature:
 * 64 bytes, r‖s, big-endian (RFC 7518 §3.4), whatever the backend returns natively.
 */
export interface Signer {
  sign(keyRef: string, data: Uint8Array): Promise<Uint8Array>;
}

/** Creates a school's signing key. The private key never leaves the backend. */
export interface KeyManager {
  createKey(uai: string): Promise<{ keyRef: string; publicJwk: JWK }>;
}
