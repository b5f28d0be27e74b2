/**
 * Status list encoding (Bitstring Status List v1.0 §4.2: GZIP, base64url, multibase "u") at the
 * spec's minimum size (131,072 entries) and at 1,048,576 entries, one bit in a thousand set:
 * attesto next to gzip level 9 (the encoding to avoid on sparse lists) and next to the reference
 * implementation (@digitalbazaar/vc-bitstring-status-list).
 */
import { createList, decodeList as referenceDecode } from '@digitalbazaar/vc-bitstring-status-list';
import { gzipSync } from 'node:zlib';
import { decodeList, encodeList, getBit, newBitstring, setBit } from '../../lambdas/core/status/bitstring';
import { medianMs } from '../lib/measure';
import { round, type Row } from '../lib/report';

/** Deterministic bits: the same list on every run. */
function sparse(entries: number, every = 1000): Uint8Array {
  const bits = newBitstring(entries);
  let x = 12345;
  for (let i = 0; i < entries / every; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    setBit(bits, x % entries);
  }
  return bits;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const section = 'status list';
  for (const entries of [131_072, 1_048_576]) {
    const bits = sparse(entries);
    const encoded = encodeList(bits);
    const level9 = `u${gzipSync(bits, { level: 9 }).toString('base64url')}`;
    if (decodeList(encoded, 1 << 20).length !== bits.length) throw new Error('round trip failed');
    // The reference encodes the very same bits, and decodes the very same string.
    const reference = await createList({ length: entries });
    for (let i = 0; i < entries; i++) if (getBit(bits, i)) reference.setStatus(i, true);
    const referenceEncoded = await reference.encode();
    // Same bits, same list: the reference reads our encoding as we wrote it.
    const viaReference = await referenceDecode({ encodedList: encoded });
    for (let i = 0; i < entries; i++) if (viaReference.getStatus(i) !== getBit(bits, i)) throw new Error(`the reference reads entry ${i} otherwise`);

    const enc = await medianMs(() => encodeList(bits), 200, 20);
    const enc9 = await medianMs(() => gzipSync(bits, { level: 9 }), 50, 5);
    const encRef = await medianMs(() => reference.encode(), 50, 5);
    const dec = await medianMs(() => decodeList(encoded, 1 << 20), 500, 50);
    const decRef = await medianMs(() => referenceDecode({ encodedList: encoded }), 100, 10);
    const label = entries.toLocaleString('en-US');
    const small = entries === 131_072;
    rows.push({
      section,
      measure: `Encode ${label} entries (0.1 % set): gzip run-length strategy, ${encoded.length} chars`,
      value: round(enc, 3),
      unit: 'ms',
      baseline: { name: `gzip level 9 (${level9.length} chars)`, value: round(enc9, 3) },
      ratio: enc / enc9,
      ...(small ? { target: { text: '≤ 2 ms', met: enc <= 2 } } : {}),
      extra: { referenceEncodeMs: round(encRef, 3), referenceChars: referenceEncoded.length },
      note: `reference implementation: ${encRef.toFixed(3)} ms`,
    });
    rows.push({
      section,
      measure: `Decode ${label} entries`,
      value: round(dec, 3),
      unit: 'ms',
      baseline: { name: 'reference implementation', value: round(decRef, 3) },
      ratio: dec / decRef,
      ...(small ? { target: { text: '≤ 0.5 ms', met: dec <= 0.5 } } : {}),
    });
  }
  return rows;
}
