/**
 * Go's compress/flate BestSpeed (level 1) compressor (deflatefast.go, output identical from Go 1.8 to 1.26 below
 * 2 GiB; this follows 1.16+ past it), reproduced from its behaviour:
 * - Input in blocks of exactly 65535 bytes (the last one shorter), whatever the write sizes.
 * - Snappy-style matching: one table of 2^14 entries keyed by (little-endian 4 bytes * 0x1e35a7bd) >> 18, each
 *   holding the 4 bytes and their position; a lookup is a match when the bytes are equal and at most 32 KiB back,
 *   also into the previous block. Without matches, the step grows by one byte every 32 bytes looked at. After a
 *   match the table is updated at its last two positions. Matches stop 15 bytes before the end of a block.
 * - A block whose tokens are more than 15/16 of its bytes is coded as literals only; a last block under 128 bytes
 *   too, or stored when 16 bytes or fewer.
 */
import { BlockWriter } from './block-writer.js';
import { countMatch, matchToken } from './codes.js';

const BLOCK = 65535;
const TABLE_BITS = 14;
const TABLE_SIZE = 1 << TABLE_BITS;
const TABLE_SHIFT = 32 - TABLE_BITS;
const MAX_DISTANCE = 1 << 15;
const INPUT_MARGIN = 15;
const MIN_NON_LITERAL_BLOCK = 17;
/** Go keeps positions in int32 and rebases them before they could overflow. */
const BUFFER_RESET = 0x7fffffff - 2 * BLOCK;

const hash = (u: number) => Math.imul(u, 0x1e35a7bd) >>> TABLE_SHIFT;

export class FastDeflater {
  private readonly window = new Uint8Array(BLOCK);
  /** The block read four bytes at a time (Go's little-endian load32), and to extend matches faster. */
  private readonly words = new DataView(this.window.buffer);
  private windowEnd = 0;
  private readonly tableVal = new Int32Array(TABLE_SIZE);
  private readonly tablePos = new Int32Array(TABLE_SIZE);
  private readonly prev = new Uint8Array(BLOCK);
  private prevLen = 0;
  private cur = BLOCK;
  private readonly tokens = new Int32Array(BLOCK + 1);

  constructor(private readonly w: BlockWriter) {}

  write(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.windowEnd === BLOCK) this.block(false);
      const n = Math.min(data.length - at, BLOCK - this.windowEnd);
      this.window.set(data.subarray(at, at + n), this.windowEnd);
      this.windowEnd += n;
      at += n;
    }
  }

  end(): void {
    this.block(true);
    this.w.finish();
  }

  private block(last: boolean): void {
    const n = this.windowEnd;
    if (n < BLOCK) {
      if (!last) return;
      if (n < 128) {
        if (n === 0) return;
        if (n <= 16) this.w.stored(this.window, 0, n, false);
        else this.w.literalsOnly(this.window, 0, n);
        this.windowEnd = 0;
        this.forget();
        return;
      }
    }
    const count = this.encode(this.window, n);
    if (count > n - (n >> 4)) this.w.literalsOnly(this.window, 0, n);
    else this.w.tokensDynamic(this.tokens, count, this.window, 0, n);
    this.windowEnd = 0;
  }

  /** Go's reset of the match history after a short last block. */
  private forget(): void {
    this.prevLen = 0;
    this.cur += MAX_DISTANCE;
    if (this.cur >= BUFFER_RESET) this.shiftOffsets();
  }

  private shiftOffsets(): void {
    if (this.prevLen === 0) {
      this.tableVal.fill(0);
      this.tablePos.fill(0);
    } else {
      for (let i = 0; i < TABLE_SIZE; i++) {
        const v = this.tablePos[i] - this.cur + MAX_DISTANCE + 1;
        this.tablePos[i] = v < 0 ? 0 : v;
      }
    }
    this.cur = MAX_DISTANCE + 1;
  }

  /** Tokens for src[0:len] into this.tokens; returns their number. */
  private encode(src: Uint8Array, len: number): number {
    if (this.cur >= BUFFER_RESET) this.shiftOffsets();
    const tokens = this.tokens;
    this.w.startBlock();
    const lf = this.w.literalFreq;
    const df = this.w.distanceFreq;
    let nt = 0;
    if (len < MIN_NON_LITERAL_BLOCK) {
      this.cur += BLOCK;
      this.prevLen = 0;
      for (let i = 0; i < len; i++) lf[(tokens[nt++] = src[i])]++;
      return nt;
    }
    const words = this.words;
    const load32 = (i: number) => words.getInt32(i, true);
    const vals = this.tableVal;
    const poss = this.tablePos;
    const cur = this.cur;
    const sLimit = len - INPUT_MARGIN;
    let nextEmit = 0;
    let s = 0;
    let cv = load32(0);
    let nextHash = hash(cv);
    outer: for (;;) {
      let skip = 32;
      let nextS = s;
      let candPos = 0;
      for (;;) {
        s = nextS;
        const step = skip >> 5;
        nextS = s + step;
        skip += step;
        if (nextS > sLimit) break outer;
        candPos = poss[nextHash];
        const candVal = vals[nextHash];
        const now = load32(nextS);
        poss[nextHash] = s + cur;
        vals[nextHash] = cv;
        nextHash = hash(now);
        if (s - (candPos - cur) > MAX_DISTANCE || cv !== candVal) {
          cv = now;
          continue;
        }
        break;
      }
      while (nextEmit < s) lf[(tokens[nt++] = src[nextEmit++])]++;
      for (;;) {
        // A 4-byte match at s against candPos: extend it, emit it, and try for another right after.
        s += 4;
        const t = candPos - cur + 4;
        const l = this.matchLen(s, t, src, len);
        tokens[nt++] = matchToken(l + 4, s - t);
        countMatch(lf, df, l + 4, s - t);
        s += l;
        nextEmit = s;
        if (s >= sLimit) break outer;
        const x0 = load32(s - 1);
        const h0 = hash(x0);
        poss[h0] = cur + s - 1;
        vals[h0] = x0;
        const x1 = load32(s);
        const h1 = hash(x1);
        candPos = poss[h1];
        const candVal = vals[h1];
        poss[h1] = cur + s;
        vals[h1] = x1;
        if (s - (candPos - cur) > MAX_DISTANCE || x1 !== candVal) {
          cv = load32(s + 1);
          nextHash = hash(cv);
          s++;
          break;
        }
      }
    }
    while (nextEmit < len) lf[(tokens[nt++] = src[nextEmit++])]++;
    this.cur = cur + len;
    this.prev.set(src.subarray(0, len));
    this.prevLen = len;
    return nt;
  }

  /** Length of the match between src[s:] and src[t:] beyond the 4 bytes already equal; t < 0 starts in the previous block. */
  private matchLen(s: number, t: number, src: Uint8Array, len: number): number {
    const s1 = Math.min(s + 258 - 4, len);
    if (t >= 0) {
      let n = 0;
      const words = this.words;
      while (s + n + 4 <= s1 && words.getInt32(s + n) === words.getInt32(t + n)) n += 4;
      while (s + n < s1 && src[s + n] === src[t + n]) n++;
      return n;
    }
    const tp = this.prevLen + t;
    if (tp < 0) return 0;
    const prev = this.prev;
    const inPrev = Math.min(this.prevLen - tp, s1 - s);
    let n = 0;
    while (n < inPrev && src[s + n] === prev[tp + n]) n++;
    if (n < inPrev) return n;
    if (s + n === s1) return n;
    // The match ran to the end of the previous block: go on from the start of this one.
    let m = 0;
    while (s + n + m < s1 && src[s + n + m] === src[m]) m++;
    return n + m;
  }
}
