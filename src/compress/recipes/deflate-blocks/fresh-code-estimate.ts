/**
 * klauspost's guess (which Go 1.27 took over with its flate) of what a block would cost under fresh optimal codes
 * (tokens.EstimatedBits): each symbol costs its Shannon information -log2(count / total), clamped to 1-15 bits, plus
 * 15 bits for the end of block, plus the extra bits; distances are weighed against the number of matches. The guess
 * decides whether a block keeps the open code, so every step must round as Go's float32 arithmetic rounds it
 * (Math.fround after each operation, no fused multiply-add: what Go's amd64 compiler emits at GOAMD64=v1), and log2
 * is Go's approximation (the exponent plus a quadratic in the mantissa), not the exact one.
 */
import { DISTANCE_EXTRA, LENGTH_EXTRA } from '../go-flate/codes.js';

const f32 = Math.fround;
const floatBits = new Float32Array(1);
const intBits = new Int32Array(floatBits.buffer);
const C2 = f32(-0.34484843);
const C1 = f32(2.02466578);
const C0 = f32(0.67487759);

/**
 * `tokens` tokens, whose counts are: literals lit[0, 256), the 29 length symbols len[lenAt, lenAt + 29), the 30
 * distance symbols dist[0, 30) (the two encoders keep them in differently shaped arrays).
 */
export function freshCodeEstimate(tokens: number, lit: ArrayLike<number>, len: ArrayLike<number>, lenAt: number, dist: ArrayLike<number>): number {
  let shannon = 0;
  let bits = 0;
  let matches = 0;
  if (tokens > 0) {
    const inv = f32(1 / tokens);
    for (let i = 0; i < 256; i++) {
      const v = lit[i];
      if (v > 0) shannon = f32(shannon + f32(clampBits(f32(-fastLog2(f32(v * inv)))) * v));
    }
    shannon = f32(shannon + 15);
    for (let c = 0; c < 29; c++) {
      const v = len[lenAt + c];
      if (v > 0) {
        shannon = f32(shannon + f32(clampBits(f32(-fastLog2(f32(v * inv)))) * v));
        bits += LENGTH_EXTRA[c] * v;
        matches += v;
      }
    }
  }
  if (matches > 0) {
    const inv = f32(1 / matches);
    for (let c = 0; c < 30; c++) {
      const v = dist[c];
      if (v > 0) {
        shannon = f32(shannon + f32(clampBits(f32(-fastLog2(f32(v * inv)))) * v));
        bits += DISTANCE_EXTRA[c] * v;
      }
    }
  }
  return Math.trunc(shannon) + bits;
}

function clampBits(v: number): number {
  return v < 1 ? 1 : v > 15 ? 15 : v;
}

/** log2 of a positive float32: the exponent, plus a quadratic with float32 coefficients in the mantissa brought to [1, 2). */
function fastLog2(v: number): number {
  floatBits[0] = v;
  let ux = intBits[0];
  const exponent = f32(((ux >> 23) & 255) - 128);
  ux &= -0x7f800001;
  ux += 127 << 23;
  intBits[0] = ux;
  const m = floatBits[0];
  return f32(exponent + f32(f32(f32(f32(C2 * m) + C1) * m) - C0));
}
