/** Token Status List encoding (draft-ietf-oauth-status-list §4.1), with the spec's own examples. */
import { StatusList } from '@sd-jwt/jwt-status-list';
import { describe, expect, it } from 'vitest';
import { decodeTokenStatusList, encodeTokenStatusList, getTokenStatus, newTokenStatusList, setTokenStatus } from '../../lambdas/core/status/token-status-list';

describe('Token Status List encoding', () => {
  it('reads the spec example for 2 bits: byte 0xC9 holds indexes 0..3 as 1, 2, 0, 3 (least significant bits first)', () => {
    const bytes = decodeTokenStatusList('eNo76fITAAPfAgc', 1024);
    expect([...bytes]).toEqual([0xc9, 0x44, 0xf9]);
    expect([0, 1, 2, 3].map((i) => getTokenStatus(bytes, i, 2))).toEqual([1, 2, 0, 3]);
  });

  it('reads the spec example for 1 bit', () => {
    expect([...decodeTokenStatusList('eNrbuRgAAhcBXQ', 1024)]).toEqual([0xb9, 0xa3]);
  });

  it('writes what sd-jwt-js reads back, at the first, a middle and the last index', () => {
    const list = newTokenStatusList(131_072);
    setTokenStatus(list, 0, 1);
    setTokenStatus(list, 70_001, 2);
    setTokenStatus(list, 131_071, 1);
    setTokenStatus(list, 131_071, 2); // a status replaces the one before it
    const read = StatusList.decompressStatusList(encodeTokenStatusList(list), 2);
    expect([0, 1, 70_001, 70_002, 131_071].map((i) => read.getStatus(i))).toEqual([1, 0, 2, 0, 2]);
  });

  it('refuses an index outside the list, and a list that inflates past the limit', () => {
    expect(() => setTokenStatus(newTokenStatusList(8), 8, 1)).toThrow(RangeError);
    expect(() => getTokenStatus(newTokenStatusList(8), 8, 2)).toThrow(RangeError);
    expect(() => getTokenStatus(new Uint8Array(1), 8, 1)).toThrow(RangeError);
    expect(getTokenStatus(Uint8Array.of(0x80), 7, 1)).toBe(1);
    expect(() => decodeTokenStatusList(encodeTokenStatusList(new Uint8Array(4096)), 1024)).toThrow();
  });
});
