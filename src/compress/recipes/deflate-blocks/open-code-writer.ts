/**
 * Deflate blocks as klauspost/compress flate writes them (its huffmanBitWriter at levels 1-6), which Go 1.27 took
 * over as its compress/flate's: pgzip's recipe and Go 1.27's share this, and differ only in the knobs of
 * `OpenCodeOptions` (pgzip/block-writer.ts and go-flate-127/block-writer.ts say which and why). What decides the
 * bytes:
 * - A code stays open across batches of tokens. A dynamic block written without a sync leaves its code open (no end
 *   of block yet); the next batch goes on in the same block, with no new header, when every symbol it uses has a
 *   code there and a fresh code is not estimated cheaper (the open header's size plus freshCodeEstimate, plus the
 *   end-of-block code, plus 1/2^logPenalty of that). Whatever ends an open block first writes the end of block it
 *   owes.
 * - Fixed codes are considered only for batches of fewer than 250 tokens: with a fresh code when not dearer than it,
 *   with an open one when 7 bits cheaper than keeping it. Stored wins whenever it is not dearer (ties go to stored),
 *   counted as (length + 5) bytes; it needs the batch's bytes in the window and at most 65535 of them.
 * - Batches with few matches are coded as literals alone (`literalsBlock`): stored outright when the byte counts are
 *   all near the mean (over 1 KiB, the squared deviations under twice the length); else against a guessed 70-byte
 *   header (or the open one) plus the penalty, and with an open code kept when it is cheaper.
 * - The stream ends with a final fixed-code block holding only the end of block (10 bits).
 */
import { BitSink } from '../go-flate/bit-sink.js';
import { DISTANCE_SYMBOLS, END_OF_BLOCK, LITERAL_SYMBOLS } from '../go-flate/codes.js';
import { HuffmanCode } from '../go-flate/huffman.js';
import { NOT_ENCODABLE, costOrNone, extraBits, fixedBits } from './block-costs.js';
import { DynamicHeader } from './dynamic-header.js';
import { FIXED_DISTANCES, FIXED_LITERALS, LITERALS_ONLY_DISTANCES } from './fixed-codes.js';
import { MAX_STORED, storedBits, writeStored, writeStoredHeader } from './stored-block.js';
import { TokenWriter } from './token-writer.js';

const MAX_FIXED_TOKENS = 250;
/** The guess of a literal-only header's size when no open header gives a better one (70 bytes). */
const GUESSED_HEADER_BITS = 70 * 8;

/** One batch of tokens as the two encoders keep them: the list and the symbol counts made as it was filled. */
export interface BlockTokens {
  readonly n: number;
  /** The tokens (../go-flate/codes.ts's layout: bits 0-15 of a match hold distance - 1). */
  tokenList(): Int32Array;
  /** Appends the end of block (256) and counts it. */
  endOfBlock(): void;
  /** What the encoder's counts say when the batch leaves its block open (see the implementations). */
  leaveOpen(): void;
  /** Copies the counts: lf[0, 289) over the literal/length alphabet (288 is 0), df[0, 32) over the distance symbols. */
  countInto(lf: Int32Array, df: Int32Array): void;
  /** Whether every symbol counted has a non-zero length in these code lengths. */
  codedBy(lit: Uint8Array, dist: Uint8Array): boolean;
  /** freshCodeEstimate over the batch's counts. */
  estimatedBits(): number;
}

export interface OpenCodeOptions {
  /** logNewTablePenalty: a fresh code's estimate is raised by 1/2^logPenalty. */
  readonly logPenalty: number;
  /** The end of block is counted in the cost of keeping an open code even when the block does not end here. */
  readonly endOfBlockInReuse: boolean;
}

export class OpenCodeWriter {
  readonly out: BitSink;
  private literalCode = new HuffmanCode(LITERAL_SYMBOLS);
  private spareLiteralCode = new HuffmanCode(LITERAL_SYMBOLS);
  private readonly distanceCode = new HuffmanCode(DISTANCE_SYMBOLS);
  private readonly header = new DynamicHeader();
  private readonly writer = new TokenWriter();
  private readonly lf = new Int32Array(289);
  private readonly df = new Int32Array(32);
  /** Bits of the open block's header; 0 when no block is open (nothing owed). */
  private openHeader = 0;
  /** The open block's code is a literal-only one (its distance code is a placeholder, its length codes unusable). */
  private openIsLiteralsOnly = false;

  constructor(emit: (bytes: Uint8Array) => void, private readonly options: OpenCodeOptions) {
    this.out = new BitSink(emit);
  }

  /** A new deflate stream (after a flush, at a byte boundary): nothing is open. */
  reset(): void {
    this.openHeader = 0;
    this.openIsLiteralsOnly = false;
  }

  stored(input: Uint8Array, start: number, end: number, final = false): void {
    this.closeOpen();
    writeStored(this.out, input, start, end, final);
  }

  /** A sync flush: the open block closed, an empty stored block, whole bytes out. */
  syncMarker(): void {
    this.closeOpen();
    writeStoredHeader(this.out, 0, false);
    this.out.alignToByte();
    this.out.drain();
  }

  /** The end of the stream: a final block in fixed codes with nothing but the end of block, the last byte padded. */
  finish(): void {
    this.closeOpen();
    this.out.bits(3, 3);
    this.out.bits(0, 7);
    this.out.alignToByte();
    this.out.drain();
  }

  /**
   * writeBlockDynamic: the tokens of input[start, end); `input` null when the bytes are no longer in the window (Go
   * 1.27's levels 7-9), and then, as over 65535 bytes, they cannot be stored. `sync` ends the block; otherwise it may
   * stay open.
   */
  dynamic(t: BlockTokens, input: Uint8Array | null, start: number, end: number, sync: boolean): void {
    const storable = input !== null && end - start <= MAX_STORED;
    if (sync) t.endOfBlock();
    else t.leaveOpen();
    if (this.openIsLiteralsOnly && this.openHeader > 0) {
      this.closeOpen();
      this.openIsLiteralsOnly = false;
    }
    if (this.openHeader > 0 && !t.codedBy(this.literalCode.lengths, this.distanceCode.lengths)) this.closeOpen();
    const lf = this.lf, df = this.df;
    t.countInto(lf, df);
    if (this.options.endOfBlockInReuse) lf[END_OF_BLOCK] = 1;
    let nl = 0, nd = 0;
    if (t.n > 0) {
      nl = 289;
      while (lf[nl - 1] === 0) nl--;
      nd = 32;
      while (nd > 0 && df[nd - 1] === 0) nd--;
      if (nd === 0) {
        df[0] = 1;
        nd = 1;
      }
    }
    const stored = storable ? storedBits(end - start) : NOT_ENCODABLE;
    // The extra bits are counted only where they can change the choice: against stored, or against an open code.
    const extra = storable || this.openHeader > 0 ? extraBits(lf, df) : 0;
    let size = 0;
    if (this.openHeader > 0) {
      let fresh = this.openHeader + t.estimatedBits();
      fresh += this.literalCode.lengths[END_OF_BLOCK] + (fresh >> this.options.logPenalty);
      const reuse = this.literalCode.cost(lf) + this.distanceCode.cost(df) + extra;
      if (fresh < reuse) {
        this.closeOpen();
        size = fresh;
      } else {
        size = reuse;
      }
      if (t.n < MAX_FIXED_TOKENS && fixedBits(lf, df, extra) + 7 < size) {
        if (stored <= size) this.stored(input!, start, end);
        else this.fixedBlock(t, sync);
        return;
      }
      if (stored <= size) {
        this.stored(input!, start, end);
        return;
      }
    }
    if (this.openHeader === 0) {
      lf[END_OF_BLOCK] = 1;
      this.literalCode.build(lf, 15);
      this.distanceCode.build(df, 15);
      const header = this.header.prepare(this.literalCode, nl, this.distanceCode, nd);
      size = header + this.literalCode.cost(lf) + this.distanceCode.cost(df) + extra;
      if (t.n < MAX_FIXED_TOKENS) {
        const fixed = fixedBits(lf, df, extra);
        if (fixed <= size) {
          if (stored <= fixed) this.stored(input!, start, end);
          else this.fixedBlock(t, sync);
          return;
        }
      }
      if (stored <= size) {
        this.stored(input!, start, end);
        return;
      }
      this.header.write(this.out);
      if (!sync) this.openHeader = header;
      this.openIsLiteralsOnly = false;
    }
    if (sync) this.openHeader = 0;
    this.writer.tokens(this.out, t.tokenList(), t.n, this.literalCode, this.distanceCode);
  }

  /** writeBlockHuff: input[start, end) as literals alone, or stored. */
  literalsBlock(input: Uint8Array, start: number, end: number, sync: boolean): void {
    const lf = this.lf;
    lf.fill(0);
    for (let i = start; i < end; i++) lf[input[i]]++;
    const len = end - start;
    if (len <= MAX_STORED && len > 1024) {
      // Byte counts all near the mean: noise, not worth a code.
      let dev = 0;
      const avg = len / 256;
      const max = len * 2;
      for (let i = 0; i < 256; i++) {
        const d = lf[i] - avg;
        dev += d * d;
        if (dev >= max) break;
      }
      if (dev < max) {
        this.stored(input, start, end);
        return;
      }
    }
    lf[END_OF_BLOCK] = 1;
    const fresh = this.spareLiteralCode;
    fresh.build(lf, 15); // only the bytes and the end of block are counted
    let est = fresh.cost(lf) + this.openHeader;
    if (this.openHeader === 0) est += GUESSED_HEADER_BITS;
    est += est >> this.options.logPenalty;
    if (len <= MAX_STORED && storedBits(len) <= est) {
      this.stored(input, start, end);
      return;
    }
    if (this.openHeader > 0 && est < costOrNone(this.literalCode, lf, 256)) this.closeOpen();
    if (this.openHeader === 0) {
      this.spareLiteralCode = this.literalCode;
      this.literalCode = fresh;
      this.openHeader = this.header.prepare(this.literalCode, END_OF_BLOCK + 1, LITERALS_ONLY_DISTANCES, 1);
      this.header.write(this.out);
      this.openIsLiteralsOnly = true;
    }
    this.writer.literals(this.out, input, start, end, this.literalCode);
    if (sync) {
      this.writeEndOfBlock();
      this.openHeader = 0;
      this.openIsLiteralsOnly = false;
    }
  }

  private fixedBlock(t: BlockTokens, sync: boolean): void {
    this.closeOpen();
    this.out.bits(2, 3);
    if (!sync) t.endOfBlock();
    this.writer.tokens(this.out, t.tokenList(), t.n, FIXED_LITERALS, FIXED_DISTANCES);
  }

  private closeOpen(): void {
    if (this.openHeader > 0) {
      this.writeEndOfBlock();
      this.openHeader = 0;
    }
  }

  private writeEndOfBlock(): void {
    this.out.bits(this.literalCode.codes[END_OF_BLOCK], this.literalCode.lengths[END_OF_BLOCK]);
  }
}
