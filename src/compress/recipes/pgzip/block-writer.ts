/**
 * Deflate blocks as klauspost/compress flate writes them at levels 1-6 (its huffmanBitWriter), reproduced from its
 * behaviour. It shares with Go's compress/flate the bit order, the symbol alphabets, the length-limited Huffman
 * construction (the same package-merge and (frequency, symbol) order: go-flate's HuffmanCode) and the run-length
 * coding of the code lengths; it differs in how a block's coding is chosen:
 *
 * - Tables are reused across blocks. A dynamic block written without a flush leaves its table open (no end of
 *   block yet); the next block keeps it when its tokens all have codes in it and a fresh table is not estimated
 *   cheaper (Tokens.estimatedBits, plus the open table's header size, plus the end-of-block code, plus 1/128), and
 *   then just continues the same block. Closing a table writes the end of block it owes.
 * - Fixed codes are considered only for blocks of fewer than 250 tokens: with a fresh table when not dearer than it,
 *   with an open one when 7 bits cheaper than keeping it. Stored wins whenever it is not dearer (ties go to stored).
 * - Blocks with few matches (more tokens than 15/16 of the bytes) are coded as literals only ("huff"): stored outright
 *   when the byte histogram is nearly flat (over 1 KiB, the squared deviations from the mean under twice the
 *   length); else against a guessed 70-byte header plus 1/128, and with an open table kept when it is cheaper.
 * - A flush ends the open table; the stream ends with a final fixed-code block holding only the end of block.
 *
 * The one difference between klauspost 1.18.1 and 1.20.0 at these levels is here: 1.20.0 counts the end of block in
 * the cost of keeping an open table (`endOfBlockInReuse`), 1.18.1 only when the block ends at a flush.
 */
import { BitSink, SPILL_AT } from '../go-flate/bit-sink.js';
import { CODEGEN_ORDER, DISTANCE_BASE, DISTANCE_EXTRA, END_OF_BLOCK, FIRST_LENGTH_SYMBOL, LENGTH_BASE, LENGTH_CODE, LENGTH_EXTRA, MATCH } from '../go-flate/codes.js';
import { HuffmanCode } from '../go-flate/huffman.js';
import type { Tokens } from './tokens.js';

const LITERALS = 286;
const DISTANCES = 30;
const MAX_STORED = 65535;
const FIXED_TOKENS_LIMIT = 250;
const GUESSED_HEADER_BITS = 70 * 8;
/** klauspost's logNewTablePenalty at levels 1-6: a fresh table's estimate is raised by 1/128. */
const PENALTY_SHIFT = 7;
const END_MARK = 255;

const fixedLengths = new Uint8Array(288);
for (let i = 0; i < 288; i++) fixedLengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
const FIXED_LITERALS = HuffmanCode.fromLengths(fixedLengths);
const FIXED_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCES).fill(5));
/** The distance code of a literals-only block: symbol 0 alone, one bit. */
const NO_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCES).fill(0, 1).fill(1, 0, 1));

export class KlauspostBlockWriter {
  readonly out: BitSink;
  /** The open table's header size in bits; 0 when no table is open. */
  private lastHeader = 0;
  /** The open table is a literals-only one (its length codes are not usable). */
  private lastHuffman = false;
  private lit = new HuffmanCode(LITERALS);
  private tmpLit = new HuffmanCode(LITERALS);
  private readonly dist = new HuffmanCode(DISTANCES);
  private readonly codegenCode = new HuffmanCode(19);
  private readonly lf = new Int32Array(288);
  private readonly df = new Int32Array(32);
  private readonly codegenFreq = new Int32Array(19);
  private readonly codegenSeq = new Uint8Array(LITERALS + DISTANCES + 1);

  constructor(emit: (bytes: Uint8Array) => void, private readonly endOfBlockInReuse: boolean) {
    this.out = new BitSink(emit);
  }

  /** A new deflate stream (the bit position is at a byte boundary after a flush). */
  reset(): void {
    this.lastHeader = 0;
    this.lastHuffman = false;
  }

  private closeTable(): void {
    if (this.lastHeader > 0) {
      this.out.bits(this.lit.codes[END_OF_BLOCK], this.lit.lengths[END_OF_BLOCK]);
      this.lastHeader = 0;
    }
  }

  private storedHeader(length: number): void {
    this.closeTable();
    this.out.bits(0, 3);
    this.out.alignToByte();
    this.out.bits(length, 16);
    this.out.bits(~length & 0xffff, 16);
  }

  stored(input: Uint8Array, start: number, end: number): void {
    this.storedHeader(end - start);
    this.out.bytes(input, start, end);
  }

  /** A flush: the open table closed, an empty stored block, whole bytes out. */
  syncMarker(): void {
    this.storedHeader(0);
    this.out.alignToByte();
    this.out.drain();
  }

  /** The end of the stream: a final block with fixed codes and nothing but the end of block. */
  finish(): void {
    this.closeTable();
    this.out.bits(3, 3);
    this.out.bits(0, 7);
    this.out.alignToByte();
    this.out.drain();
  }

  private fixedBlock(t: Tokens, sync: boolean): void {
    this.closeTable();
    this.out.bits(2, 3);
    if (!sync) t.endOfBlock();
    this.writeTokens(t, FIXED_LITERALS, FIXED_DISTANCES);
  }

  /** A block of tokens with matches (klauspost's writeBlockDynamic, never final at these levels). */
  dynamic(t: Tokens, input: Uint8Array, start: number, end: number, sync: boolean): void {
    if (sync) t.endOfBlock();
    if (this.lastHuffman && this.lastHeader > 0) {
      this.closeTable();
      this.lastHuffman = false;
    }
    if (this.lastHeader > 0 && !this.canReuse(t)) this.closeTable();

    const lf = this.lf;
    const df = this.df;
    lf.set(t.litFreq);
    df.set(t.distFreq);
    if (this.endOfBlockInReuse) lf[END_OF_BLOCK] = 1;
    let nl = 288;
    while (lf[nl - 1] === 0) nl--;
    let nd = 32;
    while (nd > 0 && df[nd - 1] === 0) nd--;
    if (nd === 0) {
      df[0] = 1;
      nd = 1;
    }
    const storedSize = end - start <= MAX_STORED ? (end - start + 5) * 8 : Infinity;
    const extra = this.extraBits();

    let size = 0;
    if (this.lastHeader > 0) {
      let fresh = this.lastHeader + t.estimatedBits();
      fresh += this.lit.lengths[END_OF_BLOCK] + (fresh >> PENALTY_SHIFT);
      const reuse = this.lit.cost(lf) + this.dist.cost(df) + extra;
      if (fresh < reuse) {
        this.closeTable();
        size = fresh;
      } else {
        size = reuse;
      }
      if (t.n < FIXED_TOKENS_LIMIT && this.fixedSize(extra) + 7 < size) {
        if (storedSize <= size) this.stored(input, start, end);
        else this.fixedBlock(t, sync);
        return;
      }
      if (storedSize <= size) {
        this.stored(input, start, end);
        return;
      }
    }
    if (this.lastHeader === 0) {
      lf[END_OF_BLOCK] = 1;
      this.lit.build(lf, 15);
      this.dist.build(df, 15);
      this.codegen(nl, nd, this.lit, this.dist);
      this.codegenCode.build(this.codegenFreq, 7);
      const numCodegens = this.numCodegens();
      const header = this.headerSize(numCodegens);
      size = header + this.lit.cost(lf) + this.dist.cost(df) + extra;
      if (t.n < FIXED_TOKENS_LIMIT) {
        const fixed = this.fixedSize(extra);
        if (fixed <= size) {
          if (storedSize <= fixed) this.stored(input, start, end);
          else this.fixedBlock(t, sync);
          return;
        }
      }
      if (storedSize <= size) {
        this.stored(input, start, end);
        return;
      }
      this.dynamicHeader(nl, nd, numCodegens);
      if (!sync) this.lastHeader = header;
      this.lastHuffman = false;
    }
    if (sync) this.lastHeader = 0;
    this.writeTokens(t, this.lit, this.dist);
  }

  /** A block coded as literals only (klauspost's writeBlockHuff, never final at these levels). */
  huff(input: Uint8Array, start: number, end: number, sync: boolean): void {
    const lf = this.lf;
    lf.fill(0);
    for (let i = start; i < end; i++) lf[input[i]]++;
    const n = end - start;
    const storedSize = n <= MAX_STORED ? (n + 5) * 8 : Infinity;
    if (n <= MAX_STORED && n > 1024) {
      // Nearly flat histograms do not compress: store without building a code.
      let dev = 0;
      const avg = n / 256;
      const max = n * 2;
      for (let i = 0; i < 256; i++) {
        const d = lf[i] - avg;
        dev += d * d;
        if (dev > max) break;
      }
      if (dev < max) {
        this.stored(input, start, end);
        return;
      }
    }
    lf[END_OF_BLOCK] = 1;
    this.tmpLit.build(lf, 15);
    let est = this.tmpLit.cost(lf);
    est += this.lastHeader;
    if (this.lastHeader === 0) est += GUESSED_HEADER_BITS;
    est += est >> PENALTY_SHIFT;
    if (storedSize <= est) {
      this.stored(input, start, end);
      return;
    }
    if (this.lastHeader > 0 && est < this.reuseLiteralsCost()) this.closeTable();
    if (this.lastHeader === 0) {
      const t = this.lit;
      this.lit = this.tmpLit;
      this.tmpLit = t;
      this.codegen(END_OF_BLOCK + 1, 1, this.lit, NO_DISTANCES);
      this.codegenCode.build(this.codegenFreq, 7);
      const numCodegens = this.numCodegens();
      this.dynamicHeader(END_OF_BLOCK + 1, 1, numCodegens);
      this.lastHuffman = true;
      this.lastHeader = this.headerSize(numCodegens);
    }
    this.writeLiterals(input, start, end);
    if (sync) {
      this.out.bits(this.lit.codes[END_OF_BLOCK], this.lit.lengths[END_OF_BLOCK]);
      this.lastHeader = 0;
      this.lastHuffman = false;
    }
  }

  /** Bits the block's literals take in the open table, or Infinity when one of them has no code there. */
  private reuseLiteralsCost(): number {
    const lens = this.lit.lengths;
    const lf = this.lf;
    let total = 0;
    for (let i = 0; i < 256; i++) {
      if (lf[i] === 0) continue;
      if (lens[i] === 0) return Infinity;
      total += lf[i] * lens[i];
    }
    return total;
  }

  /** Whether every symbol of the block has a code in the open table. */
  private canReuse(t: Tokens): boolean {
    const dl = this.dist.lengths;
    for (let i = 0; i < DISTANCES; i++) if (t.distFreq[i] !== 0 && dl[i] === 0) return false;
    const ll = this.lit.lengths;
    for (let i = 0; i < LITERALS; i++) if (t.litFreq[i] !== 0 && ll[i] === 0) return false;
    return true;
  }

  private extraBits(): number {
    let total = 0;
    for (let c = 0; c < 29; c++) total += this.lf[FIRST_LENGTH_SYMBOL + c] * LENGTH_EXTRA[c];
    for (let c = 0; c < DISTANCES; c++) total += this.df[c] * DISTANCE_EXTRA[c];
    return total;
  }

  private fixedSize(extra: number): number {
    return 3 + FIXED_LITERALS.cost(this.lf) + FIXED_DISTANCES.cost(this.df) + extra;
  }

  private numCodegens(): number {
    let n = 19;
    while (n > 4 && this.codegenFreq[CODEGEN_ORDER[n - 1]] === 0) n--;
    return n;
  }

  private headerSize(numCodegens: number): number {
    const cf = this.codegenFreq;
    return 3 + 5 + 5 + 4 + 3 * numCodegens + this.codegenCode.cost(cf) + cf[16] * 2 + cf[17] * 3 + cf[18] * 7;
  }

  /** Run-length codes the code lengths of both alphabets (RFC 1951 3.2.7) into codegenSeq, counting codegenFreq. */
  private codegen(nl: number, nd: number, lit: HuffmanCode, dist: HuffmanCode): void {
    const seq = this.codegenSeq;
    const freq = this.codegenFreq;
    freq.fill(0);
    const total = nl + nd;
    const lengthAt = (i: number) => (i < nl ? lit.lengths[i] : dist.lengths[i - nl]);
    let out = 0;
    for (let i = 0; i < total;) {
      const len = lengthAt(i);
      let run = 1;
      while (i + run < total && lengthAt(i + run) === len) run++;
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

  private dynamicHeader(nl: number, nd: number, numCodegens: number): void {
    const out = this.out;
    out.bits(4, 3);
    out.bits(nl - 257, 5);
    out.bits(nd - 1, 5);
    out.bits(numCodegens - 4, 4);
    const cg = this.codegenCode;
    for (let i = 0; i < numCodegens; i++) out.bits(cg.lengths[CODEGEN_ORDER[i]], 3);
    const seq = this.codegenSeq;
    for (let i = 0; seq[i] !== END_MARK; i++) {
      const s = seq[i];
      out.bits(cg.codes[s], cg.lengths[s]);
      if (s === 16) out.bits(seq[++i], 2);
      else if (s === 17) out.bits(seq[++i], 3);
      else if (s === 18) out.bits(seq[++i], 7);
    }
  }

  private writeLiterals(input: Uint8Array, start: number, end: number): void {
    const lens = this.lit.lengths;
    const codes = this.lit.codes;
    const sink = this.out;
    const buf = sink.buf;
    let { acc, nbits, pos } = sink;
    for (let i = start; i < end; i++) {
      const b = input[i];
      acc |= codes[b] << nbits;
      nbits += lens[b];
      if (nbits >= 16) {
        buf[pos++] = acc;
        buf[pos++] = acc >>> 8;
        acc >>>= 16;
        nbits -= 16;
        if (pos > SPILL_AT) {
          sink.pos = pos;
          sink.drain();
          pos = 0;
        }
      }
    }
    sink.acc = acc;
    sink.nbits = nbits;
    sink.pos = pos;
  }

  /** The tokens (the end of block among them when the block ends here). */
  private writeTokens(t: Tokens, lit: HuffmanCode, dist: HuffmanCode): void {
    const tokens = t.tokens;
    const n = t.n;
    const lc = lit.codes, ll = lit.lengths, dc = dist.codes, dl = dist.lengths;
    const sink = this.out;
    const buf = sink.buf;
    let { acc, nbits, pos } = sink;
    for (let i = 0; i < n; i++) {
      if (pos > SPILL_AT) {
        sink.pos = pos;
        sink.drain();
        pos = 0;
      }
      const tok = tokens[i];
      if (tok < MATCH) {
        acc |= lc[tok] << nbits;
        nbits += ll[tok];
      } else {
        const xlen = (tok >>> 22) & 0xff;
        const lcode = LENGTH_CODE[xlen];
        const ls = FIRST_LENGTH_SYMBOL + lcode;
        acc |= lc[ls] << nbits;
        nbits += ll[ls];
        const le = LENGTH_EXTRA[lcode];
        if (le > 0) {
          if (nbits >= 16) {
            buf[pos++] = acc;
            buf[pos++] = acc >>> 8;
            acc >>>= 16;
            nbits -= 16;
          }
          acc |= (xlen - LENGTH_BASE[lcode]) << nbits;
          nbits += le;
        }
        if (nbits >= 16) {
          buf[pos++] = acc;
          buf[pos++] = acc >>> 8;
          acc >>>= 16;
          nbits -= 16;
        }
        const dcode = (tok >>> 16) & 31;
        acc |= dc[dcode] << nbits;
        nbits += dl[dcode];
        const de = DISTANCE_EXTRA[dcode];
        if (de > 0) {
          if (nbits >= 16) {
            buf[pos++] = acc;
            buf[pos++] = acc >>> 8;
            acc >>>= 16;
            nbits -= 16;
          }
          acc |= ((tok & 0xffff) - DISTANCE_BASE[dcode]) << nbits;
          nbits += de;
        }
      }
      if (nbits >= 16) {
        buf[pos++] = acc;
        buf[pos++] = acc >>> 8;
        acc >>>= 16;
        nbits -= 16;
      }
    }
    sink.acc = acc;
    sink.nbits = nbits;
    sink.pos = pos;
  }
}
