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
 *   alphabet to 7, and the code-length sequence is run-length coded the way Go does it.
 * The header, the run lengths, the token bits and the cost counts are ../deflate-blocks/'s, shared with the Go 1.27
 * and pgzip recipes; the choices above are what is Go 1.26's own (klauspost's writer, which Go 1.27 took over,
 * keeps codes open across blocks and weighs other sizes).
 */
import { BitSink } from './bit-sink.js';
import { DISTANCE_SYMBOLS, END_OF_BLOCK, LITERAL_SYMBOLS } from './codes.js';
import { HuffmanCode } from './huffman.js';
import { extraBits, fixedBits } from '../deflate-blocks/block-costs.js';
import { DynamicHeader } from '../deflate-blocks/dynamic-header.js';
import { FIXED_DISTANCES, FIXED_LITERALS, LITERALS_ONLY_DISTANCES } from '../deflate-blocks/fixed-codes.js';
import { MAX_STORED, storedBits, writeStored, writeStoredHeader } from '../deflate-blocks/stored-block.js';
import { TokenWriter } from '../deflate-blocks/token-writer.js';

export class BlockWriter {
  readonly out: BitSink;
  /**
   * Symbol counts of the block being made. The compressors count as they make tokens (cheaper than a second pass
   * over them, whose branch on literal or match the processor cannot predict); `startBlock` clears them.
   */
  readonly literalFreq = new Int32Array(LITERAL_SYMBOLS);
  readonly distanceFreq = new Int32Array(DISTANCE_SYMBOLS);
  private readonly literalCode = new HuffmanCode(LITERAL_SYMBOLS);
  private readonly distanceCode = new HuffmanCode(DISTANCE_SYMBOLS);
  private readonly header = new DynamicHeader();
  private readonly writer = new TokenWriter();
  private numLiterals = 0;
  private numDistances = 0;

  constructor(emit: (bytes: Uint8Array) => void) {
    this.out = new BitSink(emit);
  }

  storedHeader(length: number, final: boolean): void {
    writeStoredHeader(this.out, length, final);
  }

  stored(input: Uint8Array, start: number, end: number, final: boolean): void {
    writeStored(this.out, input, start, end, final);
  }

  /** The end of every Go deflate stream: an empty final stored block, then the last byte padded. */
  finish(): void {
    writeStoredHeader(this.out, 0, true);
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
    const extra = storable ? extraBits(this.literalFreq, this.distanceFreq) : 0;
    let size = fixedBits(this.literalFreq, this.distanceFreq, extra);
    const dynamic = this.dynamicSize(this.numLiterals, this.distanceCode, this.numDistances) + extra;
    let fixed = true;
    if (dynamic < size) {
      size = dynamic;
      fixed = false;
    }
    if (storable && storedBits(end - start) < size) {
      this.stored(input, start, end, false);
      return;
    }
    if (fixed) {
      this.out.bits(2, 3);
      this.writeTokens(tokens, n, FIXED_LITERALS, FIXED_DISTANCES);
    } else {
      this.header.write(this.out);
      this.writeTokens(tokens, n, this.literalCode, this.distanceCode);
    }
  }

  /** Level 1 blocks that compressed (tokens counted): dynamic Huffman unless storing costs less than the dynamic size plus 1/16. */
  tokensDynamic(tokens: Int32Array, n: number, input: Uint8Array, start: number, end: number): void {
    this.index();
    const size = this.dynamicSize(this.numLiterals, this.distanceCode, this.numDistances);
    if (end - start <= MAX_STORED && storedBits(end - start) < size + (size >> 4)) {
      this.stored(input, start, end, false);
      return;
    }
    this.header.write(this.out);
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
    const size = this.dynamicSize(END_OF_BLOCK + 1, LITERALS_ONLY_DISTANCES, 1);
    if (end - start <= MAX_STORED && storedBits(end - start) < size + (size >> 4)) {
      this.stored(input, start, end, false);
      return;
    }
    this.header.write(this.out);
    this.writer.literals(this.out, input, start, end, this.literalCode);
    this.out.bits(this.literalCode.codes[END_OF_BLOCK], this.literalCode.lengths[END_OF_BLOCK]);
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

  /** The dynamic block's size without extra bits: its header (prepared here for writing) and its symbols. */
  private dynamicSize(nl: number, dist: HuffmanCode, nd: number): number {
    const header = this.header.prepare(this.literalCode, nl, dist, nd);
    return header + this.literalCode.cost(this.literalFreq) + dist.cost(this.distanceFreq);
  }

  /** The tokens, then the end of block. */
  private writeTokens(tokens: Int32Array, n: number, lit: HuffmanCode, dist: HuffmanCode): void {
    this.writer.tokens(this.out, tokens, n, lit, dist);
    this.out.bits(lit.codes[END_OF_BLOCK], lit.lengths[END_OF_BLOCK]);
  }
}
