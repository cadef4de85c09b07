/**
 * Deflate blocks as Go 1.27's compress/flate writes them. Go 1.27 replaced its huffman_bit_writer.go with
 * klauspost/compress's, so the block choice (codes left open across batches, fixed codes for small batches, stored
 * when not dearer, literal-only blocks, the final fixed-code block) is ../deflate-blocks/open-code-writer.ts, shared
 * with pgzip's recipe. What is Go 1.27's own:
 * - The penalty on a fresh code's estimate is 1/128 at levels 1-6 and 1/256 at 7-9 (logNewTablePenalty 7 and 8).
 * - A batch left open counts one end of block in its tokens' histogram (Tokens.leaveOpen), and the cost of keeping
 *   an open code reads it from there (klauspost 1.20.0 adds it in the writer instead: the same count, except that
 *   Go's stays in the histogram of an empty batch).
 * - Levels 7-9 may hand over a batch whose bytes left the window (`input` null): it cannot be stored.
 * Code construction (length-limited Huffman, codegen run lengths) is the same as Go 1.26's.
 */
import { OpenCodeWriter } from '../deflate-blocks/open-code-writer.js';

export class BlockWriter127 extends OpenCodeWriter {
  /** logPenalty: Go's logNewTablePenalty (7 at levels 1-6, 8 at 7-9). */
  constructor(emit: (bytes: Uint8Array) => void, logPenalty: number) {
    super(emit, { logPenalty, endOfBlockInReuse: false });
  }

  /** Go's writeBlockHuff: input[start, end) as literals only, or stored. */
  huffmanOnly(input: Uint8Array, start: number, end: number, sync: boolean): void {
    this.literalsBlock(input, start, end, sync);
  }
}
