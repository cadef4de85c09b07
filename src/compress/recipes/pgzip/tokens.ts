/**
 * The tokens of one klauspost flate block (at most 65535 input bytes) and the symbol counts kept beside them as
 * they are added, which the block writer reads to choose a block's coding (block-writer.ts).
 *
 * A token is a literal (its byte value; 256 is the end of block) or a match, packed as klauspost packs it:
 * MATCH | (length - 3) << 22 | distance code << 16 | (distance - 1). The counts are one array over the literal/length
 * alphabet (0-255 literals, 256 end of block, 257 + length code) and one over the 30 distance codes.
 *
 * `estimatedBits` is klauspost's guess of a fresh table's cost, computed in float32 with its approximate log2
 * (a polynomial on the mantissa): the guess decides whether a block keeps the previous block's Huffman table, so
 * every rounding must be float32's (Math.fround after each operation, no fused multiply-add: what Go's amd64
 * compiler emits at its default GOAMD64=v1).
 */
import { DISTANCE_CODE, DISTANCE_EXTRA, END_OF_BLOCK, FIRST_LENGTH_SYMBOL, LENGTH_CODE, LENGTH_EXTRA, MATCH } from '../go-flate/codes.js';

export const MAX_BLOCK = 65535;

export class Tokens {
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

  /**
   * A lower bound of the block's size under fresh optimal codes, in bits: each symbol costs its Shannon information
   * (clamped to 1-15 bits), plus 15 bits for the end of block and the extra bits of lengths and distances.
   */
  estimatedBits(): number {
    let shannon = 0;
    let bits = 0;
    let matches = 0;
    const total = this.n;
    const lf = this.litFreq;
    if (total > 0) {
      const inv = f32(1 / total);
      for (let i = 0; i < 256; i++) {
        const v = lf[i];
        if (v > 0) shannon = f32(shannon + f32(clampBits(f32(-fastLog2(f32(v * inv)))) * v));
      }
      shannon = f32(shannon + 15);
      for (let c = 0; c < 29; c++) {
        const v = lf[FIRST_LENGTH_SYMBOL + c];
        if (v > 0) {
          shannon = f32(shannon + f32(clampBits(f32(-fastLog2(f32(v * inv)))) * v));
          bits += LENGTH_EXTRA[c] * v;
          matches += v;
        }
      }
    }
    if (matches > 0) {
      const inv = f32(1 / matches);
      const df = this.distFreq;
      for (let c = 0; c < 30; c++) {
        const v = df[c];
        if (v > 0) {
          shannon = f32(shannon + f32(clampBits(f32(-fastLog2(f32(v * inv)))) * v));
          bits += DISTANCE_EXTRA[c] * v;
        }
      }
    }
    return Math.trunc(shannon) + bits;
  }
}

const f32 = Math.fround;
const floatBits = new Float32Array(1);
const intBits = new Int32Array(floatBits.buffer);
const C2 = f32(-0.34484843);
const C1 = f32(2.02466578);
const C0 = f32(0.67487759);

/** log2 approximated from the float's exponent and a quadratic in its mantissa (mapped into [1, 2)). */
function fastLog2(v: number): number {
  floatBits[0] = v;
  let ux = intBits[0];
  let log2 = f32(((ux >> 23) & 255) - 128);
  ux &= -0x7f800001;
  ux += 127 << 23;
  intBits[0] = ux;
  const m = floatBits[0];
  return f32(log2 + f32(f32(f32(f32(C2 * m) + C1) * m) - C0));
}

function clampBits(v: number): number {
  return v < 1 ? 1 : v > 15 ? 15 : v;
}
