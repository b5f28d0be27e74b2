/**
 * Bitstring Status List v1.0 encoding (https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-encoding):
 * the bitstring is GZIP-compressed, base64url-encoded without padding, and prefixed with the
 * multibase "u". Index 0 is the left-most (most significant) bit of the first byte.
 */
import { gunzipSync, gzipSync, constants } from 'node:zlib';

/** Minimum list length the spec asks for, for herd privacy (§6.1): 16 KiB = 131,072 entries. */
export const MIN_LIST_LENGTH = 131_072;

export function newBitstring(length: number): Uint8Array {
  if (length % 8 !== 0 || length <= 0) throw new RangeError('length must be a positive multiple of 8');
  return new Uint8Array(length / 8);
}

export function setBit(bits: Uint8Array, index: number, value = true): void {
  const byte = index >> 3;
  if (index < 0 || byte >= bits.length) throw new RangeError(`index ${index} is outside the list`);
  const mask = 0x80 >> (index & 7);
  bits[byte] = value ? bits[byte]! | mask : bits[byte]! & ~mask;
}

export function getBit(bits: Uint8Array, index: number): boolean {
  const byte = index >> 3;
  if (!Number.isInteger(index) || index < 0 || byte >= bits.length) throw new RangeError(`index ${index} is outside the list`);
  return (bits[byte]! & (0x80 >> (index & 7))) !== 0;
}

/**
 * Lists are sparse (a few bits set), so the fastest deflate level compresses them as well as
 * level 9 does, an order of magnitude sooner.
 */
export function encodeList(bits: Uint8Array): string {
  return `u${gzipSync(bits, { level: constants.Z_BEST_SPEED }).toString('base64url')}`;
}

/**
 * Decodes an `encodedList`. `maxBytes` caps the decompressed size: a status list fetched from
 * the network is untrusted, and a few KB of gzip can inflate to gigabytes.
 */
export function decodeList(encoded: string, maxBytes: number): Uint8Array {
  if (typeof encoded !== 'string' || !encoded.startsWith('u')) throw new TypeError('encodedList must be multibase base64url ("u" prefix)');
  const body = encoded.slice(1);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new TypeError('encodedList is not base64url');
  return new Uint8Array(gunzipSync(Buffer.from(body, 'base64url'), { maxOutputLength: maxBytes }));
}
