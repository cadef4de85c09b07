/**
 * Deflate blocks as Go 1.27's compress/flate writes them (its huffman_bit_writer.go was replaced in 1.27). What
 * decides the bytes, and differs from Go 1.26 (../go-flate/block-writer.ts):
 * - A block need not end where its tokens end. Unless the writer syncs, a dynamic block is left open (no end of
 *   block written) and the next batch of tokens may go on with the same code, with no new header: it does when
 *   every symbol it uses has a code and the estimated cost of a new code (the open header's size plus an entropy
 *   estimate, plus the end of block, plus 1/2^penalty of that) is not lower than the cost under the open code.
 *   Whatever ends an open block first writes the end of block it owes.
 * - The choice per batch: fixed codes for batches under 250 tokens when cheaper, stored when (length + 5) * 8 bits
 *   is not more than the coded size, else a new dynamic code.
 * - Bytes that barely compress are coded as literals alone (`huffmanOnly`): stored at once when their byte counts are
 *   all close to the mean (over 1024 bytes), else a literal-only code that may also stay open for the next batch.
 * - The stream ends with an empty final block in fixed codes (10 bits), not an empty stored block.
 * Code construction (length-limited Huffman, codegen run lengths) is the same as Go 1.26's.
 */
import { BitSink, SPILL_AT } from '../go-flate/bit-sink.js';
import {
  CODEGEN_ORDER, DISTANCE_BASE, DISTANCE_CODE, DISTANCE_EXTRA, DISTANCE_SYMBOLS, END_OF_BLOCK, FIRST_LENGTH_SYMBOL,
  LENGTH_BASE, LENGTH_CODE, LENGTH_EXTRA, LITERAL_SYMBOLS, MATCH,
} from '../go-flate/codes.js';
import { HuffmanCode } from '../go-flate/huffman.js';
import type { Tokens } from './tokens.js';

const MAX_STORED = 65535;
const END_MARK = 255;
const MAX_FIXED_TOKENS = 250;
const NOT_ENCODABLE = 0x7fffffff;
/** Go's guess of a literal-only header's size when no open header gives a better one (70 bytes). */
const GUESSED_HEADER_BITS = 70 * 8;

const fixedLengths = new Uint8Array(288);
for (let i = 0; i < 288; i++) fixedLengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
// Over all 288 symbols of RFC 1951 3.2.6 (286 and 287 never occur but take codes), so the 9-bit codes come out right.
const FIXED_LITERALS = HuffmanCode.fromLengths(fixedLengths);
const FIXED_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCE_SYMBOLS).fill(5));
/** The distance code of a literal-only block: symbol 0 alone, one bit. */
const LITERALS_ONLY_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCE_SYMBOLS).fill(0, 1).fill(1, 0, 1));

export class BlockWriter127 {
  readonly out: BitSink;
  private literalCode = new HuffmanCode(LITERAL_SYMBOLS);
  private spareLiteralCode = new HuffmanCode(LITERAL_SYMBOLS);
  private readonly distanceCode = new HuffmanCode(DISTANCE_SYMBOLS);
  private readonly codegenCode = new HuffmanCode(19);
  private readonly literalFreq = new Int32Array(289);
  private readonly distanceFreq = new Int32Array(32);
  private readonly codegenFreq = new Int32Array(19);
  private readonly codegenSeq = new Uint8Array(LITERAL_SYMBOLS + DISTANCE_SYMBOLS + 1);
  /** Bits of the open block's header; 0 when no block is open (nothing owed). */
  private openHeader = 0;
  /** The open block's code is a literal-only one (its distance code is a placeholder). */
  private openIsLiteralsOnly = false;

  /** logPenalty: Go's logNewTablePenalty (7 at levels 1-6, 8 at 7-9). */
  constructor(emit: (bytes: Uint8Array) => void, private readonly logPenalty: number) {
    this.out = new BitSink(emit);
  }

  private closeOpen(): void {
    if (this.openHeader > 0) {
      this.writeEob(this.literalCode);
      this.openHeader = 0;
    }
  }

  private writeEob(code: HuffmanCode): void {
    this.out.bits(code.codes[END_OF_BLOCK], code.lengths[END_OF_BLOCK]);
  }

  stored(input: Uint8Array, start: number, end: number, final: boolean): void {
    this.closeOpen();
    const out = this.out;
    out.bits(final ? 1 : 0, 3);
    out.alignToByte();
    out.bits(end - start, 16);
    out.bits(~(end - start) & 0xffff, 16);
    out.bytes(input, start, end);
  }

  /** The end of every Go 1.27 deflate stream: an empty final block in fixed codes, the last byte padded. */
  finish(): void {
    this.closeOpen();
    this.out.bits(3, 3);
    this.out.bits(0, 7);
    this.out.alignToByte();
    this.out.drain();
  }

  private fixedHeader(): void {
    this.closeOpen();
    this.out.bits(2, 3);
  }

  /** Copies the token counts in (Go's indexTokens); returns [literal symbols, distance symbols] used. */
  private index(t: Tokens): [number, number] {
    const lf = this.literalFreq, df = this.distanceFreq;
    for (let i = 0; i < 256; i++) lf[i] = t.litHist[i];
    for (let i = 0; i < 32; i++) lf[256 + i] = t.extraHist[i];
    lf[288] = 0;
    for (let i = 0; i < 32; i++) df[i] = t.offHist[i];
    if (t.n === 0) return [0, 0];
    let nl = 289;
    while (lf[nl - 1] === 0) nl--;
    let nd = 32;
    while (nd > 0 && df[nd - 1] === 0) nd--;
    if (nd === 0) {
      df[0] = 1;
      nd = 1;
    }
    return [nl, nd];
  }

  private extraBits(): number {
    const lf = this.literalFreq, df = this.distanceFreq;
    let total = 0;
    for (let c = 0; c < 29; c++) total += lf[FIRST_LENGTH_SYMBOL + c] * LENGTH_EXTRA[c];
    for (let c = 0; c < 30; c++) total += df[c] * DISTANCE_EXTRA[c];
    return total;
  }

  private fixedSize(extra: number): number {
    return 3 + FIXED_LITERALS.cost(this.literalFreq) + FIXED_DISTANCES.cost(this.distanceFreq) + extra;
  }

  /** Every symbol the tokens use has a code in the open block's codes. */
  private canReuse(t: Tokens): boolean {
    const dl = this.distanceCode.lengths, ll = this.literalCode.lengths;
    for (let i = 0; i < 30; i++) if (t.offHist[i] !== 0 && dl[i] === 0) return false;
    for (let i = 0; i < 30; i++) if (t.extraHist[i] !== 0 && ll[256 + i] === 0) return false;
    for (let i = 0; i < 256; i++) if (t.litHist[i] !== 0 && ll[i] === 0) return false;
    return true;
  }

  /**
   * Go's writeBlockDynamic: the tokens of input[start, end); `input` null when the block's bytes are no longer in
   * the window (levels 7-9), and then, as over 65535 bytes, it cannot be stored. `sync` ends the block; otherwise it
   * may stay open.
   */
  dynamic(t: Tokens, input: Uint8Array | null, start: number, end: number, sync: boolean): void {
    const storable = input !== null && end - start <= MAX_STORED;
    if (sync) t.endOfBlock();
    else t.extraHist[0] = 1;
    if (this.openIsLiteralsOnly && this.openHeader > 0) {
      this.closeOpen();
      this.openIsLiteralsOnly = false;
    }
    if (this.openHeader > 0 && !this.canReuse(t)) this.closeOpen();
    const [nl, nd] = this.index(t);
    const storedBits = storable ? (end - start + 5) * 8 : NOT_ENCODABLE;
    // Go counts the extra bits only when they can change the choice it makes: against stored, or an open code.
    const extra = storable || this.openHeader > 0 ? this.extraBits() : 0;
    let size: number;
    if (this.openHeader > 0) {
      let fresh = this.openHeader + t.estimatedBits();
      fresh += this.literalCode.lengths[END_OF_BLOCK] + (fresh >> this.logPenalty);
      const reuse = this.literalCode.cost(this.literalFreq) + this.distanceCode.cost(this.distanceFreq) + extra;
      if (fresh < reuse) {
        this.closeOpen();
        size = fresh;
      } else {
        size = reuse;
      }
      if (t.n < MAX_FIXED_TOKENS && this.fixedSize(extra) + 7 < size) {
        if (storedBits <= size) {
          this.stored(input!, start, end, false);
          return;
        }
        this.fixedHeader();
        if (!sync) t.endOfBlock();
        this.writeTokens(t, FIXED_LITERALS, FIXED_DISTANCES);
        return;
      }
      if (storedBits <= size) {
        this.stored(input!, start, end, false);
        return;
      }
    }
    if (this.openHeader === 0) {
      this.literalFreq[END_OF_BLOCK] = 1;
      this.literalCode.build(this.literalFreq, 15);
      this.distanceCode.build(this.distanceFreq, 15);
      this.codegen(this.literalCode, nl, this.distanceCode, nd);
      this.codegenCode.build(this.codegenFreq, 7);
      const [header, numCodegens] = this.headerSize();
      size = header + this.literalCode.cost(this.literalFreq) + this.distanceCode.cost(this.distanceFreq) + extra;
      if (t.n < MAX_FIXED_TOKENS) {
        const fixed = this.fixedSize(extra);
        if (fixed <= size) {
          if (storedBits <= fixed) {
            this.stored(input!, start, end, false);
            return;
          }
          this.fixedHeader();
          if (!sync) t.endOfBlock();
          this.writeTokens(t, FIXED_LITERALS, FIXED_DISTANCES);
          return;
        }
      }
      if (storedBits <= size) {
        this.stored(input!, start, end, false);
        return;
      }
      this.dynamicHeader(nl, nd, numCodegens);
      if (!sync) this.openHeader = header;
      this.openIsLiteralsOnly = false;
    }
    if (sync) this.openHeader = 0;
    this.writeTokens(t, this.literalCode, this.distanceCode);
  }

  /** Go's writeBlockHuff: input[start, end) as literals only, or stored. */
  huffmanOnly(input: Uint8Array, start: number, end: number, sync: boolean): void {
    const lf = this.literalFreq;
    lf.fill(0);
    for (let i = start; i < end; i++) lf[input[i]]++;
    const len = end - start;
    const storedBits = (len + 5) * 8;
    if (len <= MAX_STORED && len > 1024) {
      // Byte counts all near the mean: noise, not worth a code.
      let abs = 0;
      const avg = len / 256;
      const max = len * 2;
      for (let i = 0; i < 256; i++) {
        const diff = lf[i] - avg;
        abs += diff * diff;
        if (abs >= max) break;
      }
      if (abs < max) {
        this.stored(input, start, end, false);
        return;
      }
    }
    lf[END_OF_BLOCK] = 1;
    const fresh = this.spareLiteralCode;
    fresh.build(lf, 15); // only bytes and the end of block are counted
    let est = costOrNone(fresh, lf, END_OF_BLOCK + 1);
    if (est < NOT_ENCODABLE) {
      est += this.openHeader;
      if (this.openHeader === 0) est += GUESSED_HEADER_BITS;
      est += est >> this.logPenalty;
    }
    if (len <= MAX_STORED && storedBits <= est) {
      this.stored(input, start, end, false);
      return;
    }
    if (this.openHeader > 0 && est < costOrNone(this.literalCode, lf, 256)) this.closeOpen();
    if (this.openHeader === 0) {
      this.spareLiteralCode = this.literalCode;
      this.literalCode = fresh;
      this.codegen(this.literalCode, END_OF_BLOCK + 1, LITERALS_ONLY_DISTANCES, 1);
      this.codegenCode.build(this.codegenFreq, 7);
      const [header, numCodegens] = this.headerSize();
      this.dynamicHeader(END_OF_BLOCK + 1, 1, numCodegens);
      this.openIsLiteralsOnly = true;
      this.openHeader = header;
    }
    const lens = this.literalCode.lengths, codes = this.literalCode.codes;
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
    if (sync) {
      this.writeEob(this.literalCode);
      this.openHeader = 0;
      this.openIsLiteralsOnly = false;
    }
  }

  private headerSize(): [number, number] {
    const cf = this.codegenFreq;
    let numCodegens = 19;
    while (numCodegens > 4 && cf[CODEGEN_ORDER[numCodegens - 1]] === 0) numCodegens--;
    return [3 + 5 + 5 + 4 + 3 * numCodegens + this.codegenCode.cost(cf) + cf[16] * 2 + cf[17] * 3 + cf[18] * 7, numCodegens];
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
    this.closeOpen();
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

  /** The tokens; an end of block among them is written as one (Go keeps it last). */
  private writeTokens(t: Tokens, lit: HuffmanCode, dist: HuffmanCode): void {
    const tokens = t.list, n = t.n;
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
        const xdist = tok & 0x3fffff;
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
  }
}

/** Bits of freq[0, n) in `code`, or NOT_ENCODABLE when a used symbol has no code (Go's canEncodeLen). */
function costOrNone(code: HuffmanCode, freq: Int32Array, n: number): number {
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
