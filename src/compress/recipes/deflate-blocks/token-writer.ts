/**
 * A block's symbols as bits: the tokens (literals, the end of block, matches) or raw bytes as literals, under a
 * literal/length code and a distance code. This is where a block writer spends most of its time, so:
 * - A length's code and its extra bits go in one step, from a table made once per literal/length code (for each
 *   length - 3: the code with the extra bits above it, and their total size; at most 20 bits). A distance's code and
 *   extra bits go in one step too when together they take at most 24 bits (every distance code up to 11 bits long).
 * - The bits pending in the accumulator are kept under 8 after each step, without a branch: the accumulator's low
 *   bytes are stored whole (those past the complete ones are stored again, completed, later) and the position
 *   moves by the number of complete bytes. A token's bits then never overflow 31 bits, so the accumulator stays a
 *   non-negative 32-bit integer, and no unpredictable "is a byte full" branch is left.
 * - Room in the buffer is checked once per run of tokens that surely fit, not once per token; a distance's symbol
 *   comes from a 512-byte table rather than the 32 KiB one.
 * Tokens use ../go-flate/codes.ts's layout; of a match, bits 22-29 hold length - 3 and bits 0-15 distance - 1 (the
 * bits between, which pgzip's tokens fill with the distance code, are not read).
 */
import { type BitSink, SPILL_AT } from '../go-flate/bit-sink.js';
import { DISTANCE_BASE, DISTANCE_CODE, DISTANCE_EXTRA, FIRST_LENGTH_SYMBOL, LENGTH_BASE, LENGTH_CODE, LENGTH_EXTRA, MATCH } from '../go-flate/codes.js';
import type { HuffmanCode } from '../go-flate/huffman.js';

/** The most bits a distance's code and extra bits may take to go in one step (7 pending + 24 < 32). */
const ONE_STEP_DISTANCE = 24;
/** The most bytes one token stores (past pos), so that a run of tokens can be checked for room once. */
const MAX_TOKEN_BYTES = 8;

/**
 * distance - 1 -> distance symbol in 512 bytes instead of 32 KiB (which crowds the first-level cache): below 256
 * directly, above by distance >> 7, since from 256 on every symbol covers whole aligned runs of 128.
 */
const SMALL_DISTANCE_CODE = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  SMALL_DISTANCE_CODE[i] = DISTANCE_CODE[i];
  SMALL_DISTANCE_CODE[256 + i] = DISTANCE_CODE[i << 7];
}

export class TokenWriter {
  /** For each length - 3: the length symbol's code, its extra bits above it; and how many bits the two take. */
  private readonly lengthValue = new Int32Array(256);
  private readonly lengthSize = new Uint8Array(256);
  /** Per distance symbol: its code, its code's length, and that length plus its extra bits. */
  private readonly distanceValue = new Int32Array(30);
  private readonly distanceLength = new Uint8Array(30);
  private readonly distanceSize = new Uint8Array(30);
  /** The generations of the codes the tables were made from (HuffmanCode.generation). */
  private lengthsOf = -1;
  private distancesOf = -1;

  /** Writes tokens[0, n); the tokens that are 256 are the end of block. */
  tokens(out: BitSink, tokens: Int32Array, n: number, lit: HuffmanCode, dist: HuffmanCode): void {
    if (lit.generation !== this.lengthsOf) this.lengthTable(lit);
    if (dist.generation !== this.distancesOf) this.distanceTable(dist);
    const lc = lit.codes, ll = lit.lengths;
    const lv = this.lengthValue, ls = this.lengthSize;
    const dv = this.distanceValue, dl = this.distanceLength, ds = this.distanceSize;
    const buf = out.buf;
    let acc = out.acc, nbits = out.nbits, pos = out.pos;
    while (nbits >= 8) {
      buf[pos++] = acc;
      acc >>>= 8;
      nbits -= 8;
    }
    for (let i = 0; i < n;) {
      if (pos > SPILL_AT) {
        out.pos = pos;
        out.drain();
        pos = 0;
      }
      // As many tokens as surely fit before the buffer needs draining, with no check of room between them.
      let stop = i + Math.floor((SPILL_AT - pos) / MAX_TOKEN_BYTES) + 1;
      if (stop > n) stop = n;
      for (; i < stop; i++) {
        const t = tokens[i];
        if (t < MATCH) {
          acc |= lc[t] << nbits;
          nbits += ll[t];
          // Under 23 bits: at most two complete bytes.
          buf[pos] = acc;
          buf[pos + 1] = acc >> 8;
          const k = nbits >> 3;
          pos += k;
          acc >>= k << 3;
          nbits &= 7;
          continue;
        }
        const xl = (t >> 22) & 0xff;
        acc |= lv[xl] << nbits;
        nbits += ls[xl];
        // Under 28 bits: at most three.
        buf[pos] = acc;
        buf[pos + 1] = acc >> 8;
        buf[pos + 2] = acc >> 16;
        let k = nbits >> 3;
        pos += k;
        acc >>= k << 3;
        nbits &= 7;
        const xd = t & 0xffff;
        const dc = SMALL_DISTANCE_CODE[xd < 256 ? xd : 256 + (xd >> 7)];
        const size = ds[dc];
        if (size <= ONE_STEP_DISTANCE) {
          acc |= (dv[dc] | ((xd - DISTANCE_BASE[dc]) << dl[dc])) << nbits;
          nbits += size;
        } else {
          // A long code with many extra bits: the code first, then the extra bits.
          acc |= dv[dc] << nbits;
          nbits += dl[dc];
          buf[pos] = acc;
          buf[pos + 1] = acc >> 8;
          k = nbits >> 3;
          pos += k;
          acc >>= k << 3;
          nbits &= 7;
          acc |= (xd - DISTANCE_BASE[dc]) << nbits;
          nbits += size - dl[dc];
        }
        // Under 32 bits: at most three.
        buf[pos] = acc;
        buf[pos + 1] = acc >> 8;
        buf[pos + 2] = acc >> 16;
        k = nbits >> 3;
        pos += k;
        acc >>= k << 3;
        nbits &= 7;
      }
    }
    out.acc = acc;
    out.nbits = nbits;
    out.pos = pos;
  }

  /**
   * Writes input[start, end) as literals of `lit` (a block coded by literals alone). Here the codes are all near 8
   * bits, so a full 16 bits comes every other byte, a branch the processor predicts: the branch-free step of
   * `tokens` measured slower on pgzip's literal-only blocks.
   */
  literals(out: BitSink, input: Uint8Array, start: number, end: number, lit: HuffmanCode): void {
    const lc = lit.codes, ll = lit.lengths;
    const buf = out.buf;
    let acc = out.acc, nbits = out.nbits, pos = out.pos;
    while (nbits >= 8) {
      buf[pos++] = acc;
      acc >>>= 8;
      nbits -= 8;
    }
    for (let i = start; i < end; i++) {
      const b = input[i];
      acc |= lc[b] << nbits;
      nbits += ll[b];
      if (nbits >= 16) {
        buf[pos++] = acc;
        buf[pos++] = acc >> 8;
        acc >>= 16;
        nbits -= 16;
        if (pos > SPILL_AT) {
          out.pos = pos;
          out.drain();
          pos = 0;
        }
      }
    }
    out.acc = acc;
    out.nbits = nbits;
    out.pos = pos;
  }

  private lengthTable(lit: HuffmanCode): void {
    const lc = lit.codes, ll = lit.lengths;
    for (let xl = 0; xl < 256; xl++) {
      const c = LENGTH_CODE[xl];
      const s = FIRST_LENGTH_SYMBOL + c;
      this.lengthValue[xl] = lc[s] | ((xl - LENGTH_BASE[c]) << ll[s]);
      this.lengthSize[xl] = ll[s] + LENGTH_EXTRA[c];
    }
    this.lengthsOf = lit.generation;
  }

  private distanceTable(dist: HuffmanCode): void {
    for (let c = 0; c < 30; c++) {
      this.distanceValue[c] = dist.codes[c];
      this.distanceLength[c] = dist.lengths[c];
      this.distanceSize[c] = dist.lengths[c] + DISTANCE_EXTRA[c];
    }
    this.distancesOf = dist.generation;
  }
}
