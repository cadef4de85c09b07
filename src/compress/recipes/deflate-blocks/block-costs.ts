/**
 * What a block would cost, in bits, as the block writers count it when they choose between stored, fixed and
 * dynamic codes, or between keeping an open code and starting a new one. Counts are per symbol: `lf` over the
 * literal/length alphabet (literals 0-255, end of block 256, length symbols from 257), `df` over the 30 distance
 * symbols.
 */
import { DISTANCE_EXTRA, FIRST_LENGTH_SYMBOL, LENGTH_EXTRA } from '../go-flate/codes.js';
import type { HuffmanCode } from '../go-flate/huffman.js';
import { FIXED_DISTANCES, FIXED_LITERALS } from './fixed-codes.js';

/** Marks a cost that cannot be paid: a symbol that has no code (far above any real block's bits). */
export const NOT_ENCODABLE = 0x7fffffff;

/** The extra bits after the length and distance symbols, which cost the same under any code. */
export function extraBits(lf: Int32Array, df: Int32Array): number {
  let total = 0;
  for (let c = 8; c < 28; c++) total += lf[FIRST_LENGTH_SYMBOL + c] * LENGTH_EXTRA[c];
  for (let c = 4; c < 30; c++) total += df[c] * DISTANCE_EXTRA[c];
  return total;
}

/** The block in fixed codes: its 3 header bits, its symbols, and `extra` (the extra bits, or 0 when not counted). */
export function fixedBits(lf: Int32Array, df: Int32Array, extra: number): number {
  return 3 + FIXED_LITERALS.cost(lf) + FIXED_DISTANCES.cost(df) + extra;
}

/** Bits of freq[0, n) in `code`, or NOT_ENCODABLE when a symbol used has no code there. */
export function costOrNone(code: HuffmanCode, freq: Int32Array, n: number): number {
  let total = 0;
  const lens = code.lengths;
  for (let i = 0; i < n; i++) {
    if (freq[i] !== 0) {
      if (lens[i] === 0) return NOT_ENCODABLE;
      total += freq[i] * lens[i];
    }
  }
  return total;
}
