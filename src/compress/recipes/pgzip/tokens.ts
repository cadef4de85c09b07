/**
 * The tokens of one klauspost flate block (at most 65535 input bytes) and the symbol counts kept beside them as
 * they are added, which the block writer reads to choose a block's coding (block-writer.ts).
 *
 * A token is a literal (its byte value; 256 is the end of block) or a match, packed as klauspost packs it:
 * MATCH | (length - 3) << 22 | distance code << 16 | (distance - 1). The counts are one array over the literal/length
 * alphabet (0-255 literals, 256 end of block, 257 + length code) and one over the 30 distance codes.
 */
import { freshCodeEstimate } from '../deflate-blocks/fresh-code-estimate.js';
import type { BlockTokens } from '../deflate-blocks/open-code-writer.js';
import { DISTANCE_CODE, END_OF_BLOCK, FIRST_LENGTH_SYMBOL, LENGTH_CODE, MATCH } from '../go-flate/codes.js';

export const MAX_BLOCK = 65535;

export class Tokens implements BlockTokens {
  readonly tokens = new Int32Array(MAX_BLOCK + 2);
  n = 0;
  /** Counts over the literal/length alphabet (288 slots, as symbols 286 and 287 never occur). */
  readonly litFreq = new Int32Array(288);
  readonly distFreq = new Int32Array(32);

  reset(): void {
    if (this.n === 0) return;
    this.n = 0;
    this.litFreq.fill(0);
    this.distFreq.fill(0);
  }

  literal(b: number): void {
    this.tokens[this.n++] = b;
    this.litFreq[b]++;
  }

  /** A match of any length (over 258 it is cut into several, each at least 3 long); `xoffset` is distance - 1. */
  match(length: number, xoffset: number): void {
    const dcode = DISTANCE_CODE[xoffset];
    const low = (dcode << 16) | xoffset;
    if (length <= 258) {
      // Nearly every match: one token, no splitting loop (the same counts and token as the loop would make).
      const xl = length - 3;
      this.litFreq[FIRST_LENGTH_SYMBOL + LENGTH_CODE[xl]]++;
      this.distFreq[dcode]++;
      this.tokens[this.n++] = MATCH | (xl << 22) | low;
      return;
    }
    while (length > 0) {
      let l = length;
      if (l > 258) l = l > 258 + 3 ? 258 : 258 - 3;
      length -= l;
      const xl = l - 3;
      this.litFreq[FIRST_LENGTH_SYMBOL + LENGTH_CODE[xl]]++;
      this.distFreq[dcode]++;
      this.tokens[this.n++] = MATCH | (xl << 22) | low;
    }
  }

  endOfBlock(): void {
    this.tokens[this.n++] = END_OF_BLOCK;
    this.litFreq[END_OF_BLOCK]++;
  }

  tokenList(): Int32Array {
    return this.tokens;
  }

  /** klauspost counts no end of block for a block left open (1.20.0's writer adds it to its own counts). */
  leaveOpen(): void {}

  countInto(lf: Int32Array, df: Int32Array): void {
    lf.set(this.litFreq);
    lf[288] = 0;
    df.set(this.distFreq);
  }

  codedBy(lit: Uint8Array, dist: Uint8Array): boolean {
    const df = this.distFreq, lf = this.litFreq;
    for (let i = 0; i < 30; i++) if (df[i] !== 0 && dist[i] === 0) return false;
    for (let i = 0; i < 286; i++) if (lf[i] !== 0 && lit[i] === 0) return false;
    return true;
  }

  /**
   * A lower bound of the block's size under fresh optimal codes, in bits (../deflate-blocks/fresh-code-estimate.ts):
   * the guess that decides whether a block keeps the previous block's code.
   */
  estimatedBits(): number {
    return freshCodeEstimate(this.n, this.litFreq, this.litFreq, FIRST_LENGTH_SYMBOL, this.distFreq);
  }
}
