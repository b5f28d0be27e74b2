import { decodeList as referenceDecode, createList } from '@digitalbazaar/vc-bitstring-status-list';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeList, encodeList, getBit, MIN_LIST_LENGTH, newBitstring, setBit } from '../../lambdas/core/status/bitstring';

describe('Bitstring Status List v1.0 encoding', () => {
  it('sets index 0 as the most significant bit of the first byte (§4.2 bit order)', () => {
    const bits = newBitstring(16);
    setBit(bits, 0);
    setBit(bits, 9);
    expect([...bits]).toEqual([0b1000_0000, 0b0100_0000]);
    expect(getBit(bits, 0)).toBe(true);
    expect(getBit(bits, 1)).toBe(false);
    expect(getBit(bits, 9)).toBe(true);
  });

  it('encodes as multibase "u" + base64url(gzip(bits)) that an independent implementation decodes', async () => {
    const bits = newBitstring(MIN_LIST_LENGTH);
    const set = [0, 7, 8, 4242, 65_535, MIN_LIST_LENGTH - 1];
    for (const i of set) setBit(bits, i);
    const encoded = encodeList(bits);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    const reference = await referenceDecode({ encodedList: encoded });
    expect(reference.length).toBe(MIN_LIST_LENGTH);
    for (let i = 0; i < MIN_LIST_LENGTH; i += 1) {
      if (reference.getStatus(i) !== set.includes(i)) throw new Error(`bit ${i} differs`);
    }
  });

  it('decodes what an independent implementation encodes', async () => {
    const list = await createList({ length: MIN_LIST_LENGTH });
    list.setStatus(12_345, true);
    const bits = decodeList(await list.encode(), 1 << 20);
    expect(getBit(bits, 12_345)).toBe(true);
    expect(getBit(bits, 12_344)).toBe(false);
  });

  it('refuses a list without the multibase prefix, with bad characters, or that inflates past the cap', () => {
    expect(() => decodeList('H4sI', 1024)).toThrow(/multibase/);
    expect(() => decodeList('u$$$', 1024)).toThrow(/base64url/);
    const bomb = `u${gzipSync(Buffer.alloc(10 * 1024 * 1024)).toString('base64url')}`;
    expect(() => decodeList(bomb, 1 << 20)).toThrow();
  });

  it('refuses indexes outside the list', () => {
    const bits = newBitstring(16);
    expect(() => setBit(bits, 16)).toThrow(RangeError);
    expect(() => getBit(bits, -1)).toThrow(RangeError);
    expect(() => getBit(bits, 1.5)).toThrow(RangeError);
  });
});
