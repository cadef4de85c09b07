/**
 * One block's tokens as Go 1.27's compress/flate collects them: the token list and, counted as tokens are added,
 * three histograms (bytes, length symbols with the end of block at index 0, distance symbols). The counts are
 * uint16 in Go and a block holds at most 65535 input bytes, so Uint16Array keeps Go's arithmetic. A match longer
 * than 258 is split the way Go splits it (258 at a time, or 255 when fewer than 3 would be left).
 *
 * Tokens use the layout of ../go-flate/codes.ts: a literal is its byte, the end of block 256, a match
 * MATCH | (length - 3) << 22 | (distance - 1).
 */
import { freshCodeEstimate } from '../deflate-blocks/fresh-code-estimate.js';
import type { BlockTokens } from '../deflate-blocks/open-code-writer.js';
import { DISTANCE_CODE, LENGTH_CODE, MATCH } from '../go-flate/codes.js';

export class Tokens implements BlockTokens {
  readonly list = new Int32Array(65536 + 8);
  n = 0;
  readonly litHist = new Uint16Array(256);
  /** [0]: the end of block; [1 + c]: length symbol 257 + c. */
  readonly extraHist = new Uint16Array(32);
  readonly offHist = new Uint16Array(32);

  reset(): void {
    // Go clears the counts only when the block had tokens; when it had none they are already zero.
    if (this.n === 0) return;
    this.n = 0;
    this.litHist.fill(0);
    this.extraHist.fill(0);
    this.offHist.fill(0);
  }

  literals(src: Uint8Array, start: number, end: number): void {
    const list = this.list, hist = this.litHist;
    let n = this.n;
    for (let i = start; i < end; i++) {
      const v = src[i];
      list[n++] = v;
      hist[v]++;
    }
    this.n = n;
  }

  literal(v: number): void {
    this.list[this.n++] = v;
    this.litHist[v]++;
  }

  /** A match of `length` (any length of 4 or more) at `distance`. */
  match(length: number, distance: number): void {
    const dcode = DISTANCE_CODE[distance - 1];
    if (length <= 258) {
      // Nearly every match: one token, no splitting loop (the same counts and token as the loop would make).
      const xl = length - 3;
      this.extraHist[1 + LENGTH_CODE[xl]]++;
      this.offHist[dcode]++;
      this.list[this.n++] = MATCH | (xl << 22) | (distance - 1);
      return;
    }
    while (length > 0) {
      let piece = length;
      if (piece > 258) piece = piece > 261 ? 258 : 255;
      length -= piece;
      const xl = piece - 3;
      this.extraHist[1 + LENGTH_CODE[xl]]++;
      this.offHist[dcode]++;
      this.list[this.n++] = MATCH | (xl << 22) | (distance - 1);
    }
  }

  /**
   * A match found at s (from t, `length` bytes), first extended backwards while the bytes before both agree, down to
   * the last emitted byte (`from`), then the literals from `from` and the match. Returns how many bytes it moved
   * back: the match's start and length change by that, its end and distance do not.
   */
  extendAndEmit(buf: Uint8Array, from: number, s: number, t: number, length: number): number {
    let k = 0;
    while (t > k && s - k > from && buf[t - k - 1] === buf[s - k - 1]) k++;
    if (from < s - k) this.literals(buf, from, s - k);
    this.match(length + k, s - t);
    return k;
  }

  /** The bytes after the last match as literals, unless the block has no tokens at all (then it is stored). */
  remainder(buf: Uint8Array, from: number, end: number): void {
    if (from < end && this.n !== 0) this.literals(buf, from, end);
  }

  endOfBlock(): void {
    this.list[this.n++] = 256;
    this.extraHist[0]++;
  }

  tokenList(): Int32Array {
    return this.list;
  }

  /** Go counts one end of block whenever a batch may leave its block open (the count stays until the next reset). */
  leaveOpen(): void {
    this.extraHist[0] = 1;
  }

  countInto(lf: Int32Array, df: Int32Array): void {
    const lit = this.litHist, extra = this.extraHist, off = this.offHist;
    for (let i = 0; i < 256; i++) lf[i] = lit[i];
    for (let i = 0; i < 32; i++) lf[256 + i] = extra[i];
    lf[288] = 0;
    for (let i = 0; i < 32; i++) df[i] = off[i];
  }

  codedBy(lit: Uint8Array, dist: Uint8Array): boolean {
    const off = this.offHist, extra = this.extraHist, hist = this.litHist;
    for (let i = 0; i < 30; i++) if (off[i] !== 0 && dist[i] === 0) return false;
    for (let i = 0; i < 30; i++) if (extra[i] !== 0 && lit[256 + i] === 0) return false;
    for (let i = 0; i < 256; i++) if (hist[i] !== 0 && lit[i] === 0) return false;
    return true;
  }

  /** Go's tokens.EstimatedBits (../deflate-blocks/fresh-code-estimate.ts). */
  estimatedBits(): number {
    return freshCodeEstimate(this.n, this.litHist, this.extraHist, 1, this.offHist);
  }
}
