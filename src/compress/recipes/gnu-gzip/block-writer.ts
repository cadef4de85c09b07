/**
 * Deflate blocks as GNU gzip 1.12 ends and writes them (its trees.c). What shapes the bytes:
 * - A block holds at most 32767 literals and matches (gzip's 32 KiB literal buffer, one short of full) or 32768
 *   matches; zlib's default buffer is 16 KiB, so the two cut blocks at different places.
 * - At levels 3-9, at every 4096th symbol gzip estimates the block's compressed size (8 bits a symbol plus 5 and the
 *   extra bits a distance) and ends the block early when fewer than half the symbols are matches and the estimate
 *   is under half the input the block covers.
 * - Each block is the cheapest of stored (only while its input is still in the window, and when its length plus 4
 *   is at most the smaller coded size, in bytes rounded up with the 3 header bits), fixed codes (when not dearer
 *   than dynamic) and dynamic codes; the last block is the final one and the stream is padded to a byte there.
 */
import { BitSink } from '../go-flate/bit-sink.js';
import { CODEGEN_ORDER, DISTANCE_BASE, DISTANCE_CODE, DISTANCE_EXTRA, LENGTH_BASE, LENGTH_CODE, LENGTH_EXTRA } from '../go-flate/codes.js';
import type { DeflateFlavor } from './flavor.js';
import { Tree, TreeBuilder, assignCodes, scanLengths, sendLengths } from './trees.js';

/** gzip's LIT_BUFSIZE and DIST_BUFSIZE. */
const LIT_BUFSIZE = 0x8000;
const END_BLOCK = 256;
const LITERALS = 256;
const BL_EXTRA = new Int32Array([2, 3, 7]);

// The fixed code (RFC 1951 3.2.6) over all 288 literal/length symbols and 30 distance symbols.
const STATIC_LLENS = new Uint8Array(288);
for (let n = 0; n < 288; n++) STATIC_LLENS[n] = n < 144 ? 8 : n < 256 ? 9 : n < 280 ? 7 : 8;
const STATIC_LCODES = new Int32Array(288);
assignCodes(STATIC_LLENS, STATIC_LCODES, 287, new Int32Array([0, 0, 0, 0, 0, 0, 0, 24, 152, 112, 0, 0, 0, 0, 0, 0]));
const STATIC_DLENS = new Uint8Array(30).fill(5);
const STATIC_DCODES = new Int32Array(30);
assignCodes(STATIC_DLENS, STATIC_DCODES, 29, new Int32Array([0, 0, 0, 0, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));

export class GnuBlockWriter {
  readonly out: BitSink;
  private readonly ltree = new Tree(286, 15, LENGTH_EXTRA, LITERALS + 1, STATIC_LLENS);
  private readonly dtree = new Tree(30, 15, DISTANCE_EXTRA, 0, STATIC_DLENS);
  private readonly bltree = new Tree(19, 7, BL_EXTRA, 16, null);
  private readonly builder = new TreeBuilder();
  /** The block's symbols: a literal byte, or (distance - 1) << 8 | (length - 3) with bit 30 set for a match. */
  private readonly symbols = new Int32Array(LIT_BUFSIZE);
  private lastLit = 0;
  private lastDist = 0;

  constructor(emit: (bytes: Uint8Array) => void, private readonly level: number, private readonly flavor: DeflateFlavor) {
    this.out = new BitSink(emit);
    this.initBlock();
  }

  private initBlock(): void {
    this.ltree.freq.fill(0, 0, 286);
    this.dtree.freq.fill(0, 0, 30);
    this.bltree.freq.fill(0, 0, 19);
    this.ltree.freq[END_BLOCK] = 1;
    this.builder.optLen = 0;
    this.builder.staticLen = 0;
    this.lastLit = 0;
    this.lastDist = 0;
  }

  /**
   * Records a literal (`dist` 0, `lc` the byte) or a match (`dist` its distance, `lc` its length - 3) and says
   * whether the block must end here. `strstart - blockStart` is the input the block covers so far.
   */
  tally(dist: number, lc: number, strstart: number, blockStart: number): boolean {
    if (dist === 0) {
      this.symbols[this.lastLit++] = lc;
      this.ltree.freq[lc]++;
    } else {
      dist--;
      this.symbols[this.lastLit++] = (1 << 30) | (dist << 8) | lc;
      this.ltree.freq[LENGTH_CODE[lc] + LITERALS + 1]++;
      this.dtree.freq[DISTANCE_CODE[dist]]++;
      this.lastDist++;
    }
    const lastLit = this.lastLit;
    if (this.flavor.estimate && this.level > 2 && (lastLit & 0xfff) === 0) {
      let outLength = lastLit * 8;
      const dfreq = this.dtree.freq;
      for (let d = 0; d < 30; d++) outLength += dfreq[d] * (5 + DISTANCE_EXTRA[d]);
      outLength = Math.floor(outLength / 8);
      const inLength = strstart - blockStart;
      if (this.lastDist < lastLit >>> 1 && outLength < Math.floor(inLength / 2)) return true;
    }
    return lastLit === this.flavor.blockSymbols || this.lastDist === LIT_BUFSIZE;
  }

  /**
   * Ends the block: `window[start, start + storedLen)` is its input, or `start` is negative when that input has
   * left the window (then it cannot be stored). `eof` makes it the final block and pads the stream to a byte.
   */
  flush(window: Uint8Array, start: number, storedLen: number, eof: boolean): void {
    const { ltree, dtree, bltree, builder, out } = this;
    builder.build(ltree);
    builder.build(dtree);
    // The code-length code and the index of the last of its lengths sent, in gzip's order (at least 4).
    scanLengths(ltree, bltree);
    scanLengths(dtree, bltree);
    builder.build(bltree);
    let maxBlindex: number;
    for (maxBlindex = 18; maxBlindex >= 3; maxBlindex--) if (bltree.len[CODEGEN_ORDER[maxBlindex]] !== 0) break;
    builder.optLen += 3 * (maxBlindex + 1) + 5 + 5 + 4;

    let optLenb = Math.floor((builder.optLen + 3 + 7) / 8);
    const staticLenb = Math.floor((builder.staticLen + 3 + 7) / 8);
    if (staticLenb <= optLenb) optLenb = staticLenb;
    const final = eof ? 1 : 0;
    if (storedLen + 4 <= optLenb && start >= 0) {
      out.bits(final, 3);
      out.alignToByte();
      out.bits(storedLen & 0xffff, 16);
      out.bits(~storedLen & 0xffff, 16);
      out.bytes(window, start, start + storedLen);
    } else if (staticLenb === optLenb) {
      out.bits(2 + final, 3);
      this.symbolsOut(STATIC_LCODES, STATIC_LLENS, STATIC_DCODES, STATIC_DLENS);
    } else {
      out.bits(4 + final, 3);
      const lcodes = ltree.maxCode + 1;
      const dcodes = dtree.maxCode + 1;
      out.bits(lcodes - 257, 5);
      out.bits(dcodes - 1, 5);
      out.bits(maxBlindex + 1 - 4, 4);
      for (let rank = 0; rank <= maxBlindex; rank++) out.bits(bltree.len[CODEGEN_ORDER[rank]], 3);
      sendLengths(ltree, bltree, out);
      sendLengths(dtree, bltree, out);
      this.symbolsOut(ltree.code, ltree.len, dtree.code, dtree.len);
    }
    this.initBlock();
    if (eof) out.alignToByte();
  }

  /** The block's symbols in the given codes, then end-of-block. */
  private symbolsOut(lcode: Int32Array, llen: Int32Array | Uint8Array, dcode: Int32Array, dlen: Int32Array | Uint8Array): void {
    const out = this.out;
    const symbols = this.symbols;
    for (let i = 0, n = this.lastLit; i < n; i++) {
      const s = symbols[i];
      if (s < 256) {
        out.bits(lcode[s], llen[s]);
        continue;
      }
      const lc = s & 0xff;
      const dist = (s >>> 8) & 0x7fff;
      const code = LENGTH_CODE[lc];
      out.bits(lcode[code + LITERALS + 1], llen[code + LITERALS + 1]);
      const lx = LENGTH_EXTRA[code];
      if (lx !== 0) out.bits(lc - LENGTH_BASE[code], lx);
      const dc = DISTANCE_CODE[dist];
      out.bits(dcode[dc], dlen[dc]);
      const dx = DISTANCE_EXTRA[dc];
      if (dx !== 0) out.bits(dist - DISTANCE_BASE[dc], dx);
    }
    out.bits(lcode[END_BLOCK], llen[END_BLOCK]);
  }
}
