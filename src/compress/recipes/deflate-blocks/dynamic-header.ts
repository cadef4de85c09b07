/**
 * A dynamic block's header (RFC 1951 3.2.7): its size in bits, which the block writers weigh against the other
 * codings, and its bits. The code-length code is built by the same length-limited construction as the block's codes
 * (limit 7), over the counts of the run-length coded lengths (code-length-runs.ts).
 */
import type { BitSink } from '../go-flate/bit-sink.js';
import { CODEGEN_ORDER } from '../go-flate/codes.js';
import { HuffmanCode } from '../go-flate/huffman.js';
import { END_MARK, MAX_RUN_SEQUENCE, runLengthCode } from './code-length-runs.js';

export class DynamicHeader {
  private readonly freq = new Int32Array(19);
  private readonly seq = new Uint8Array(MAX_RUN_SEQUENCE);
  private readonly code = new HuffmanCode(19);
  /** How many code-length code lengths the header lists (trailing zeros in CODEGEN_ORDER dropped, at least 4). */
  private numCodegens = 4;
  private nl = 257;
  private nd = 1;

  /** Makes the header of a block coded by lit[0, nl) and dist[0, nd); returns its size in bits (the 3 type bits included). */
  prepare(lit: HuffmanCode, nl: number, dist: HuffmanCode, nd: number): number {
    const cf = this.freq;
    runLengthCode(lit, nl, dist, nd, this.seq, cf);
    this.code.build(cf, 7);
    let n = 19;
    while (n > 4 && cf[CODEGEN_ORDER[n - 1]] === 0) n--;
    this.numCodegens = n;
    this.nl = nl;
    this.nd = nd;
    return 3 + 5 + 5 + 4 + 3 * n + this.code.cost(cf) + cf[16] * 2 + cf[17] * 3 + cf[18] * 7;
  }

  /** Writes the header last prepared, as a non-final block. */
  write(out: BitSink): void {
    out.bits(4, 3);
    out.bits(this.nl - 257, 5);
    out.bits(this.nd - 1, 5);
    out.bits(this.numCodegens - 4, 4);
    const cg = this.code;
    for (let i = 0; i < this.numCodegens; i++) out.bits(cg.lengths[CODEGEN_ORDER[i]], 3);
    const seq = this.seq;
    for (let i = 0; seq[i] !== END_MARK; i++) {
      const s = seq[i];
      out.bits(cg.codes[s], cg.lengths[s]);
      if (s === 16) out.bits(seq[++i], 2);
      else if (s === 17) out.bits(seq[++i], 3);
      else if (s === 18) out.bits(seq[++i], 7);
    }
  }
}
