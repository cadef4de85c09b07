/**
 * One block's tokens as Go 1.27's compress/flate collects them: the token list and, counted as tokens are added,
 * three histograms (bytes, length symbols with the end of block at index 0, distance symbols). The counts are
 * uint16 in Go and a block holds at most 65535 input bytes, so Uint16Array keeps Go's arithmetic. A match longer
 * than 258 is split the way Go splits it (258 at a time, or 255 when fewer than 3 would be left).
 *
 * Tokens use the layout of ../go-flate/codes.ts: a literal is its byte, the end of block 256, a match
 * MATCH | (length - 3) << 22 | (distance - 1).
 */
import { DISTANCE_CODE, DISTANCE_EXTRA, LENGTH_CODE, LENGTH_EXTRA, MATCH } from '../go-flate/codes.js';

export class Tokens {
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

  endOfBlock(): void {
    this.list[this.n++] = 256;
    this.extraHist[0]++;
  }

  /**
   * Go's estimate of the bits an optimal code would take for this block (tokens.EstimatedBits): per symbol,
   * -log2(frequency / total) by a cubic approximation, clamped to 1..15, in float32 arithmetic (every step
   * rounded as Go's float32 operations round it), plus 15 for the end of block and the extra bits; distances are
   * weighed against the number of matches.
   */
  estimatedBits(): number {
    const f = Math.fround;
    let shannon = 0;
    let bits = 0;
    let matches = 0;
    const total = this.n;
    if (total > 0) {
      const inv = f(1 / total);
      for (let i = 0; i < 256; i++) {
        const v = this.litHist[i];
        if (v > 0) shannon = f(shannon + f(clampBits(f(-fastLog2(f(v * inv)))) * v));
      }
      shannon = f(shannon + 15);
      for (let i = 0; i < 29; i++) {
        const v = this.extraHist[i + 1];
        if (v > 0) {
          shannon = f(shannon + f(clampBits(f(-fastLog2(f(v * inv)))) * v));
          bits += LENGTH_EXTRA[i] * v;
          matches += v;
        }
      }
    }
    if (matches > 0) {
      const inv = f(1 / matches);
      for (let i = 0; i < 30; i++) {
        const v = this.offHist[i];
        if (v > 0) {
          shannon = f(shannon + f(clampBits(f(-fastLog2(f(v * inv)))) * v));
          bits += DISTANCE_EXTRA[i] * v;
        }
      }
    }
    return Math.trunc(shannon) + bits;
  }
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function clampBits(x: number): number {
  return x < 1 ? 1 : x > 15 ? 15 : x;
}

/**
 * log2 of a positive float32, approximated as Go 1.27 does: the exponent, plus a quadratic in the mantissa
 * (brought to [1, 2)) with fixed float32 coefficients.
 */
function fastLog2(val: number): number {
  const f = Math.fround;
  f32[0] = val;
  let ux = i32[0];
  let log2 = f(((ux >> 23) & 255) - 128);
  ux &= -0x7f800001;
  ux += 127 << 23;
  i32[0] = ux;
  const m = f32[0];
  const c2 = f(-0.34484843), c1 = f(2.02466578), c0 = f(0.67487759);
  log2 = f(log2 + f(f(f(f(c2 * m) + c1) * m) - c0));
  return log2;
}
