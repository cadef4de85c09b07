/**
 * Deflate blocks as Go's compress/flate writes them (huffman_bit_writer.go, Go 1.7 to 1.26). The choices that shape
 * the bytes:
 * - `tokens` (levels 2-9): the cheapest of fixed Huffman, dynamic Huffman (only if strictly cheaper than fixed) and
 *   stored (only if the block's input is still in the window and at most 65535 bytes, and strictly cheaper). The
 *   cost of extra bits is counted only when stored is a candidate. A block without matches still counts one use of
 *   distance symbol 0, so that its distance code can be written.
 * - `tokensDynamic` (level 1): dynamic Huffman, or stored when that saves less than 1/16 of the dynamic size.
 * - `literalsOnly` (level 1 on input it barely compresses): a dynamic code over the bytes alone, or stored likewise.
 * - Stored sizes are counted as (length + 5) bytes, whatever the bit position. Every block is non-final: the stream
 *   ends with an empty final stored block (`finish`). Code lengths are limited to 15 bits, those of the code-length
 *   alphabet to 7, and the code-length sequence is run-length coded the way Go does it (`codegen`).
 */
import { BitSink, SPILL_AT } from './bit-sink.js';
import {
  CODEGEN_ORDER, DISTANCE_BASE, DISTANCE_CODE, DISTANCE_EXTRA, DISTANCE_SYMBOLS, END_OF_BLOCK, FIRST_LENGTH_SYMBOL,
  LENGTH_BASE, LENGTH_CODE, LENGTH_EXTRA, LITERAL_SYMBOLS, MATCH,
} from './codes.js';
import { HuffmanCode } from './huffman.js';

const MAX_STORED = 65535;
const END_MARK = 255;

// Over all 288 symbols of RFC 1951 3.2.6 (286 and 287 never occur but take codes), so the 9-bit codes come out right.
const fixedLengths = new Uint8Array(288);
for (let i = 0; i < 288; i++) fixedLengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
const FIXED_LITERALS = HuffmanCode.fromLengths(fixedLengths);
const FIXED_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCE_SYMBOLS).fill(5));
/** The distance code of a block of literals only: symbol 0 alone, one bit. */
const LITERALS_ONLY_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCE_SYMBOLS).fill(0, 1).fill(1, 0, 1));

export class BlockWriter {
  readonly out: BitSink;
  /**
   * Symbol counts of the block being made. The compressors count as they make tokens (cheaper than a second pass
   * over them, whose branch on literal or match the processor cannot predict); `startBlock` clears them.
   */
  readonly literalFreq = new Int32Array(LITERAL_SYMBOLS);
  readonly distanceFreq = new Int32Array(DISTANCE_SYMBOLS);
  private readonly codegenFreq = new Int32Array(19);
  /** The run-length coded code lengths: symbols, each of 16/17/18 followed by its repeat count; END_MARK ends it. */
  private readonly codegenSeq = new Uint8Array(LITERAL_SYMBOLS + DISTANCE_SYMBOLS + 1);
  private readonly literalCode = new HuffmanCode(LITERAL_SYMBOLS);
  private readonly distanceCode = new HuffmanCode(DISTANCE_SYMBOLS);
  private readonly codegenCode = new HuffmanCode(19);
  private numLiterals = 0;
  private numDistances = 0;

  constructor(emit: (bytes: Uint8Array) => void) {
    this.out = new BitSink(emit);
  }

  storedHeader(length: number, final: boolean): void {
    this.out.bits(final ? 1 : 0, 3);
    this.out.alignToByte();
    this.out.bits(length, 16);
    this.out.bits(~length & 0xffff, 16);
  }

  stored(input: Uint8Array, start: number, end: number, final: boolean): void {
    this.storedHeader(end - start, final);
    this.out.bytes(input, start, end);
  }

  /** The end of every Go deflate stream: an empty final stored block, then the last byte padded. */
  finish(): void {
    this.storedHeader(0, true);
    this.out.alignToByte();
    this.out.drain();
  }

  startBlock(): void {
    this.literalFreq.fill(0);
    this.distanceFreq.fill(0);
  }

  /**
   * Levels 2-9, the tokens counted since startBlock. `input` is null when the block's bytes have left the window
   * (then it cannot be stored).
   */
  tokens(tokens: Int32Array, n: number, input: Uint8Array | null, start: number, end: number): void {
    this.index();
    const storable = input !== null && end - start <= MAX_STORED;
    let extra = 0;
    if (storable) {
      for (let s = FIRST_LENGTH_SYMBOL + 8; s < this.numLiterals; s++) extra += this.literalFreq[s] * LENGTH_EXTRA[s - FIRST_LENGTH_SYMBOL];
      for (let s = 4; s < this.numDistances; s++) extra += this.distanceFreq[s] * DISTANCE_EXTRA[s];
    }
    let size = 3 + FIXED_LITERALS.cost(this.literalFreq) + FIXED_DISTANCES.cost(this.distanceFreq) + extra;
    this.codegen(this.literalCode, this.numLiterals, this.distanceCode, this.numDistances);
    this.codegenCode.build(this.codegenFreq, 7);
    const [dynamic, numCodegens] = this.dynamicSize(this.literalCode, this.distanceCode, extra);
    let fixed = true;
    if (dynamic < size) {
      size = dynamic;
      fixed = false;
    }
    if (storable && (end - start + 5) * 8 < size) {
      this.stored(input, start, end, false);
      return;
    }
    if (fixed) {
      this.out.bits(2, 3);
      this.writeTokens(tokens, n, FIXED_LITERALS, FIXED_DISTANCES);
    } else {
      this.dynamicHeader(this.numLiterals, this.numDistances, numCodegens);
      this.writeTokens(tokens, n, this.literalCode, this.distanceCode);
    }
  }

  /** Level 1 blocks that compressed (tokens counted): dynamic Huffman unless storing costs less than the dynamic size plus 1/16. */
  tokensDynamic(tokens: Int32Array, n: number, input: Uint8Array, start: number, end: number): void {
    this.index();
    this.codegen(this.literalCode, this.numLiterals, this.distanceCode, this.numDistances);
    this.codegenCode.build(this.codegenFreq, 7);
    const [size, numCodegens] = this.dynamicSize(this.literalCode, this.distanceCode, 0);
    if (end - start <= MAX_STORED && (end - start + 5) * 8 < size + (size >> 4)) {
      this.stored(input, start, end, false);
      return;
    }
    this.dynamicHeader(this.numLiterals, this.numDistances, numCodegens);
    this.writeTokens(tokens, n, this.literalCode, this.distanceCode);
  }

  /** Level 1 blocks of bytes that barely compress: a Huffman code over the bytes, no matches, or stored. */
  literalsOnly(input: Uint8Array, start: number, end: number): void {
    const lf = this.literalFreq;
    lf.fill(0);
    for (let i = start; i < end; i++) lf[input[i]]++;
    lf[END_OF_BLOCK] = 1;
    // Go sets distance symbol 0's count to 1 here and leaves the others as the last block had them; only symbol 0
    // has a length in this block's distance code, so only it counts.
    this.distanceFreq[0] = 1;
    this.literalCode.build(lf, 15);
    this.codegen(this.literalCode, END_OF_BLOCK + 1, LITERALS_ONLY_DISTANCES, 1);
    this.codegenCode.build(this.codegenFreq, 7);
    const [size, numCodegens] = this.dynamicSize(this.literalCode, LITERALS_ONLY_DISTANCES, 0);
    if (end - start <= MAX_STORED && (end - start + 5) * 8 < size + (size >> 4)) {
      this.stored(input, start, end, false);
      return;
    }
    this.dynamicHeader(END_OF_BLOCK + 1, 1, numCodegens);
    const lens = this.literalCode.lengths;
    const codes = this.literalCode.codes;
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
    sink.bits(codes[END_OF_BLOCK], lens[END_OF_BLOCK]);
  }

  /** Adds the end of block to the counts, and builds the block's two codes. */
  private index(): void {
    const lf = this.literalFreq;
    const df = this.distanceFreq;
    lf[END_OF_BLOCK]++;
    let nl = LITERAL_SYMBOLS;
    while (lf[nl - 1] === 0) nl--;
    let nd = DISTANCE_SYMBOLS;
    while (nd > 0 && df[nd - 1] === 0) nd--;
    if (nd === 0) {
      df[0] = 1;
      nd = 1;
    }
    this.numLiterals = nl;
    this.numDistances = nd;
    this.literalCode.build(lf, 15);
    this.distanceCode.build(df, 15);
  }

  /** Run-length codes the concatenated code lengths (RFC 1951 3.2.7) into codegenSeq, counting codegenFreq. */
  private codegen(lit: HuffmanCode, nl: number, dist: HuffmanCode, nd: number): void {
    const seq = this.codegenSeq;
    const freq = this.codegenFreq;
    freq.fill(0);
    const total = nl + nd;
    const lengthAt = (i: number) => (i < nl ? lit.lengths[i] : dist.lengths[i - nl]);
    let out = 0;
    let i = 0;
    while (i < total) {
      const len = lengthAt(i);
      let run = 1;
      while (i + run < total && lengthAt(i + run) === len) run++;
      i += run;
      if (len !== 0) {
        // One plain copy, then repeats of the previous length by sixes, then the rest (at most two) plainly.
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
        // Long zero runs by up to 138, then one short zero run of 3-10, then the rest plainly.
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

  private dynamicSize(lit: HuffmanCode, dist: HuffmanCode, extra: number): [number, number] {
    const cf = this.codegenFreq;
    let numCodegens = 19;
    while (numCodegens > 4 && cf[CODEGEN_ORDER[numCodegens - 1]] === 0) numCodegens--;
    const header = 3 + 5 + 5 + 4 + 3 * numCodegens + this.codegenCode.cost(cf) + cf[16] * 2 + cf[17] * 3 + cf[18] * 7;
    return [header + lit.cost(this.literalFreq) + dist.cost(this.distanceFreq) + extra, numCodegens];
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

  /** The tokens and the end of block. The bit writing is inlined: this loop is where level 1 spends its time. */
  private writeTokens(tokens: Int32Array, n: number, lit: HuffmanCode, dist: HuffmanCode): void {
    const lc = lit.codes, ll = lit.lengths, dc = dist.codes, dl = dist.lengths;
    const sink = this.out;
    const buf = sink.buf;
    let { acc, nbits, pos } = sink;
    for (let i = 0; i < n; i++) {
      // A token stores at most 6 bytes.
      if (pos > SPILL_AT) {
        sink.pos = pos;
        sink.drain();
        pos = 0;
      }
      const t = tokens[i];
      if (t < MATCH) {
        acc |= lc[t] << nbits;
        nbits += ll[t];
      } else {
        const xlen = (t >>> 22) & 0xff;
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
        const xdist = t & 0x3fffff;
        const dcode = DISTANCE_CODE[xdist];
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
          acc |= (xdist - DISTANCE_BASE[dcode]) << nbits;
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
    sink.bits(lc[END_OF_BLOCK], ll[END_OF_BLOCK]);
  }
}
