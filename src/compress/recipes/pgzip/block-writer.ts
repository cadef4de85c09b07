/**
 * Deflate blocks as klauspost/compress flate writes them at levels 1-6 (its huffmanBitWriter), reproduced from its
 * behaviour: ../deflate-blocks/open-code-writer.ts, which Go 1.27's recipe shares (Go 1.27 took this writer over).
 * It shares with Go's compress/flate the bit order, the symbol alphabets, the length-limited Huffman construction
 * (the same package-merge and (frequency, symbol) order) and the run-length coding of the code lengths; it differs
 * from Go 1.26 in how a block's coding is chosen (codes kept open across blocks; see the shared writer).
 *
 * What is pgzip's own: the penalty on a fresh code's estimate is always 1/128 (level 5), blocks are always in the
 * window (at most 65535 bytes), and the one difference between klauspost 1.18.1 and 1.20.0 at these levels:
 * 1.20.0 counts the end of block in the cost of keeping an open code (`endOfBlockInReuse`), 1.18.1 only when the
 * block ends at a flush. The tokens count no end of block for a block left open (Tokens.leaveOpen).
 */
import { OpenCodeWriter } from '../deflate-blocks/open-code-writer.js';

/** klauspost's logNewTablePenalty at levels 1-6: a fresh code's estimate is raised by 1/128. */
const PENALTY_SHIFT = 7;

export class KlauspostBlockWriter extends OpenCodeWriter {
  constructor(emit: (bytes: Uint8Array) => void, endOfBlockInReuse: boolean) {
    super(emit, { logPenalty: PENALTY_SHIFT, endOfBlockInReuse });
  }

  /** A block coded as literals only (klauspost's writeBlockHuff, never final at these levels). */
  huff(input: Uint8Array, start: number, end: number, sync: boolean): void {
    this.literalsBlock(input, start, end, sync);
  }
}
