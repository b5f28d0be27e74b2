/**
 * Token Status List (draft-ietf-oauth-status-list): the status mechanism of SD-JWT VC. A school's
 * list N is published twice from the same slots: as two Bitstring Status Lists (W3C credentials,
 * one bit per purpose) and as one Status List Token with two bits per credential, read by
 * SD-JWT VC verifiers and wallets.
 *
 * Encoding (§4.1): entry i takes `bits` bits starting at the least significant end of byte
 * ⌊i·bits/8⌋ (the reverse of the Bitstring Status List's order), the byte array is compressed
 * with DEFLATE in the ZLIB format (RFC 1950), then base64url-encoded without padding.
 */
import { constants, deflateSync, inflateSync } from 'node:zlib';

/** Status Types (§7.1): 0x00 VALID, 0x01 INVALID (revoked, final), 0x02 SUSPENDED. */
export const TOKEN_STATUS = { VALID: 0, INVALID: 1, SUSPENDED: 2 } as const;

/** Two bits per credential: enough for VALID, INVALID and SUSPENDED. */
export const TOKEN_STATUS_BITS = 2;

export function newTokenStatusList(entries: number): Uint8Array {
  if (!Number.isInteger(entries) || entries <= 0 || (entries * TOKEN_STATUS_BITS) % 8 !== 0) throw new RangeError('entries must fill whole bytes');
  return new Uint8Array((entries * TOKEN_STATUS_BITS) / 8);
}

export function setTokenStatus(list: Uint8Array, index: number, status: number, bits = TOKEN_STATUS_BITS): void {
  const perByte = 8 / bits;
  const byte = Math.floor(index / perByte);
  if (!Number.isInteger(index) || index < 0 || byte >= list.length) throw new RangeError(`index ${index} is outside the list`);
  const shift = (index % perByte) * bits;
  const mask = ((1 << bits) - 1) << shift;
  list[byte] = (list[byte]! & ~mask) | ((status << shift) & mask);
}

export function getTokenStatus(list: Uint8Array, index: number, bits: number): number {
  const perByte = 8 / bits;
  const byte = Math.floor(index / perByte);
  if (!Number.isInteger(index) || index < 0 || byte >= list.length) throw new RangeError(`index ${index} is outside the list`);
  return (list[byte]! >> ((index % perByte) * bits)) & ((1 << bits) - 1);
}

/** `lst` (§4.2): sparse lists compress to almost nothing with the run-length strategy (see bitstring.ts). */
export function encodeTokenStatusList(list: Uint8Array): string {
  return deflateSync(list, { level: constants.Z_BEST_SPEED, strategy: constants.Z_RLE }).toString('base64url');
}

/** Decodes `lst`; `maxBytes` caps the inflated size (a fetched list is untrusted input). */
export function decodeTokenStatusList(lst: string, maxBytes: number): Uint8Array {
  if (typeof lst !== 'string' || !/^[A-Za-z0-9_-]+$/.test(lst)) throw new TypeError('lst is not base64url');
  const inflated = inflateSync(Buffer.from(lst, 'base64url'), { maxOutputLength: maxBytes });
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
}
