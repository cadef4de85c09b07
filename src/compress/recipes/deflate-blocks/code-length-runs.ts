/**
 * The run-length coding of a dynamic block's code lengths (RFC 1951 3.2.7) the way Go's compress/flate makes it
 * (generateCodegen), which klauspost's flate and so Go 1.27 kept: the literal/length lengths and the distance lengths
 * as one sequence; a run of a non-zero length is one plain copy, then repeats of it by sixes (symbol 16), then what
 * is left (at most two) plainly; a run of zeros goes by up to 138 (18), then one shorter run of 3-10 (17), then the
 * rest plainly. Another run-length coding of the same lengths would be as valid and give other bytes.
 */
import type { HuffmanCode } from '../go-flate/huffman.js';

/** Marks the end of a coded sequence (no code-length symbol or repeat count is 255). */
export const END_MARK = 255;

/** The longest sequence: 288 literal/length and 32 distance lengths, one entry each at worst, and the end mark. */
export const MAX_RUN_SEQUENCE = 288 + 32 + 1;

/**
 * Codes lit.lengths[0, nl) then dist.lengths[0, nd) into `seq` (symbols, each 16, 17 or 18 followed by its repeat
 * count, END_MARK last) and counts the symbols into `freq` (19 entries, cleared first).
 */
export function runLengthCode(lit: HuffmanCode, nl: number, dist: HuffmanCode, nd: number, seq: Uint8Array, freq: Int32Array): void {
  freq.fill(0);
  const ll = lit.lengths, dl = dist.lengths;
  const total = nl + nd;
  let out = 0;
  let i = 0;
  while (i < total) {
    const len = i < nl ? ll[i] : dl[i - nl];
    let run = 1;
    while (i + run < total && (i + run < nl ? ll[i + run] : dl[i + run - nl]) === len) run++;
    i += run;
    if (len !== 0) {
      seq[out++] = len;
      freq[len]++;
      run--;
      while (run >= 3) {
        const r = run < 6 ? run : 6;
        seq[out++] = 16;
        seq[out++] = r - 3;
        freq[16]++;
        run -= r;
      }
    } else {
      while (run >= 11) {
        const r = run < 138 ? run : 138;
        seq[out++] = 18;
        seq[out++] = r - 11;
        freq[18]++;
        run -= r;
      }
      if (run >= 3) {
        seq[out++] = 17;
        seq[out++] = run - 3;
        freq[17]++;
        run = 0;
      }
    }
    for (; run > 0; run--) {
      seq[out++] = len;
      freq[len]++;
    }
  }
  seq[out] = END_MARK;
}
