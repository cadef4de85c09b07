/**
 * Go 1.27's levels 7-9 (deflateLazy in its deflate.go), from its behaviour. What shapes the bytes:
 * - A 64 KiB window, compressed only when full and more input comes (or at the end), so the write sizes do not
 *   matter; when fewer than 262 bytes are ahead of the position past 65274, the upper half slides down. Hash chains
 *   over a 17-bit hash of 4 bytes (positions plus an offset, rebased after 2^28 bytes).
 * - Lazy matching with Go's table (lazy, nice, chain: 12/16/24, 30/40/64, 258/258/1024; the whole chain is searched); a match at
 *   a position is searched only while the pending one is shorter than `lazy`. Level 9 (chain over 100) accepts a
 *   longer match only when its estimated gain grows: the bits of its bytes as literals, by a Huffman code over the
 *   next 32 KiB taken at each compression step, less the extra bits of its distance (looked up, as Go does, from the
 *   distance itself, not distance - 1) and length, less 3, must beat the best so far (at least 4).
 * - Before a pending match is emitted, a match found through the hash of its end may replace it when longer,
 *   starting up to two bytes later (those go out as literals).
 * - After more literals in a row than `chain` (a 16-bit count), literals are emitted in runs of 1 + excess/64 with
 *   no search.
 * - Blocks of 32768 tokens, through the open-block writer with a penalty of 1/256.
 */
import { HuffmanCode } from '../go-flate/huffman.js';
import { DISTANCE_EXTRA, LENGTH_CODE, LENGTH_EXTRA } from '../go-flate/codes.js';
import type { BlockWriter127 } from './block-writer.js';
import { Tokens } from './tokens.js';

const WINDOW = 1 << 15;
const MASK = WINDOW - 1;
const MIN_MATCH = 4;
const MAX_MATCH = 258;
const MAX_BLOCK_TOKENS = 1 << 15;
const HASH_BITS = 17;
const MAX_HASH_OFFSET = 1 << 28;
const NO_BLOCK = 0x7fffffff;

/** lazy, nice, chain per level (Go's table also has a "good" length, which 1.27's match search no longer uses). */
const PARAMS: Record<number, [lazy: number, nice: number, chain: number]> = {
  7: [12, 16, 24],
  8: [30, 40, 64],
  9: [258, 258, 1024],
};

/** Go's offsetCode for values up to 32768: the distance symbol of value + 1, except 32768, which maps to 14. */
function goOffsetCode(x: number): number {
  if (x < 256) return DIST_CODE_SMALL[x];
  return DIST_CODE_SMALL[(x >> 7) & 255] + 14;
}
const DIST_CODE_SMALL = new Uint8Array(256);
for (let x = 0; x < 256; x++) {
  let c = 0;
  while (c < 29 && distanceBase(c + 1) <= x) c++;
  DIST_CODE_SMALL[x] = c;
}
function distanceBase(c: number): number {
  let base = 0;
  for (let k = 0; k < c; k++) base += 1 << (k < 4 ? 0 : (k >> 1) - 1);
  return base;
}

export class LazyDeflater127 {
  private readonly window = new Uint8Array(2 * WINDOW + 8);
  private readonly view = new DataView(this.window.buffer);
  private windowEnd = 0;
  private blockStart = 0;
  private index = 0;
  private readonly hashHead = new Int32Array(1 << HASH_BITS);
  private readonly hashPrev = new Int32Array(WINDOW);
  private hashOffset = 1;
  private length = MIN_MATCH - 1;
  private offset = 0;
  private chainHead = -1;
  private maxInsertIndex = 0;
  private literalCounter = 0;
  private byteAvailable = false;
  private sync = false;
  private readonly tokens = new Tokens();
  private readonly literalCost = new HuffmanCode(256);
  private readonly counts = new Int32Array(256);
  private readonly lazy: number;
  private readonly nice: number;
  private readonly chain: number;

  constructor(level: number, private readonly w: BlockWriter127) {
    const p = PARAMS[level];
    if (!p) throw new RangeError(`go-flate 1.27 lazy level ${level}: want 7 to 9`);
    [this.lazy, this.nice, this.chain] = p;
  }

  write(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.windowEnd === 2 * WINDOW) this.step();
      at += this.fill(data, at);
    }
  }

  end(): void {
    this.sync = true;
    this.step();
    this.w.finish();
  }

  private fill(data: Uint8Array, at: number): number {
    if (this.index >= 2 * WINDOW - (MIN_MATCH + MAX_MATCH)) {
      this.window.copyWithin(0, WINDOW, 2 * WINDOW);
      this.index -= WINDOW;
      this.windowEnd -= WINDOW;
      this.blockStart = this.blockStart >= WINDOW ? this.blockStart - WINDOW : NO_BLOCK;
      this.hashOffset += WINDOW;
      if (this.hashOffset > MAX_HASH_OFFSET) {
        const delta = this.hashOffset - 1;
        this.hashOffset -= delta;
        this.chainHead -= delta;
        for (const t of [this.hashPrev, this.hashHead]) for (let i = 0; i < t.length; i++) t[i] = Math.max(t[i] - delta, 0);
      }
    }
    const n = Math.min(data.length - at, 2 * WINDOW - this.windowEnd);
    this.window.set(data.subarray(at, at + n), this.windowEnd);
    this.windowEnd += n;
    return n;
  }

  private hash(i: number): number {
    return Math.imul(this.view.getUint32(i, true), 0x9e3779b1 | 0) >>> (32 - HASH_BITS);
  }

  /** Inserts position `index` in its chain and remembers the chain's previous head. */
  private insert(index: number): void {
    const h = this.hash(index);
    const ch = this.hashHead[h];
    this.chainHead = ch;
    this.hashPrev[index & MASK] = ch;
    this.hashHead[h] = index + this.hashOffset;
  }

  private writeBlock(index: number): void {
    if (index > 0) {
      const inWindow = this.blockStart <= index;
      const start = this.blockStart;
      this.blockStart = index;
      this.w.dynamic(this.tokens, inWindow ? this.window : null, start, index, this.sync);
    }
    this.tokens.reset();
  }

  private emitLiteral(v: number): void {
    this.tokens.literal(v);
    if (this.tokens.n === MAX_BLOCK_TOKENS) this.writeBlock(this.index);
  }

  private step(): void {
    const win = this.window;
    if (this.windowEnd - this.index < MIN_MATCH + MAX_MATCH && !this.sync) return;
    if (this.windowEnd !== this.index && this.chain > 100) {
      const counts = this.counts;
      counts.fill(0);
      const end = Math.min(this.windowEnd, this.index + MAX_BLOCK_TOKENS);
      // Go's counts are uint16: 32768 of one byte still fits.
      for (let i = this.index; i < end; i++) counts[win[i]]++;
      this.literalCost.build(counts, 15);
    }
    this.maxInsertIndex = this.windowEnd - (MIN_MATCH - 1);
    for (;;) {
      const lookahead = this.windowEnd - this.index;
      if (lookahead < MIN_MATCH + MAX_MATCH) {
        if (!this.sync) return;
        if (lookahead === 0) {
          if (this.byteAvailable) {
            this.tokens.literal(win[this.index - 1]);
            this.byteAvailable = false;
          }
          if (this.tokens.n > 0) this.writeBlock(this.index);
          return;
        }
      }
      if (this.index < this.maxInsertIndex) this.insert(this.index);
      let prevLength = this.length;
      let prevOffset = this.offset;
      this.length = MIN_MATCH - 1;
      this.offset = 0;
      const minIndex = Math.max(this.index - WINDOW, 0);
      if (this.chainHead - this.hashOffset >= minIndex && lookahead > prevLength && prevLength < this.lazy) {
        this.findMatch(this.index, this.chainHead - this.hashOffset, lookahead);
      }
      if (prevLength >= MIN_MATCH && this.length <= prevLength) {
        [prevLength, prevOffset] = this.betterMatchAtEnd(prevLength, prevOffset, lookahead);
        this.tokens.match(prevLength, prevOffset);
        const newIndex = this.index + prevLength - 1;
        const last = Math.min(newIndex, this.maxInsertIndex);
        for (let di = Math.min(this.index + 1, this.maxInsertIndex); di < last; di++) {
          const h = this.hash(di);
          this.hashPrev[di & MASK] = this.hashHead[h];
          this.hashHead[h] = di + this.hashOffset;
        }
        this.index = newIndex;
        this.byteAvailable = false;
        this.length = MIN_MATCH - 1;
        if (this.tokens.n === MAX_BLOCK_TOKENS) this.writeBlock(this.index);
        this.literalCounter = 0;
        continue;
      }
      if (this.length >= MIN_MATCH) this.literalCounter = 0;
      if (this.byteAvailable) {
        this.literalCounter = (this.literalCounter + 1) & 0xffff;
        this.emitLiteral(win[this.index - 1]);
        this.index++;
        this.skipLiterals();
      } else {
        this.index++;
        this.byteAvailable = true;
      }
    }
  }

  /** The longest match at pos along the chain from prevHead, into this.length / this.offset when found. */
  private findMatch(pos: number, prevHead: number, lookahead: number): void {
    const win = this.window;
    const look = Math.min(lookahead, MAX_MATCH);
    const nice = Math.min(this.nice, look);
    let tries = this.chain;
    let length = MIN_MATCH - 1;
    let wEnd = win[pos + length];
    const minIndex = Math.max(pos - WINDOW, 0);
    let gain = 4;
    const gainCheck = this.chain >= 100;
    const costLens = this.literalCost.lengths;
    for (let i = prevHead; tries > 0; tries--) {
      if (wEnd === win[i + length]) {
        let n = 0;
        while (n < look && win[i + n] === win[pos + n]) n++;
        if (n > length) {
          let take = true;
          if (gainCheck) {
            let lit = 0;
            for (let k = 0; k < n; k++) lit += Math.max(1, costLens[win[pos + k]]);
            const g = lit - DISTANCE_EXTRA[goOffsetCode(pos - i)] - 3 - LENGTH_EXTRA[LENGTH_CODE[(n - 3) & 255]];
            if (g <= gain) take = false;
            else gain = g;
          }
          if (take) {
            length = n;
            this.length = n;
            this.offset = pos - i;
            if (n >= nice) break;
            wEnd = win[pos + n];
          }
        }
      }
      if (i <= minIndex) break;
      i = this.hashPrev[i & MASK] - this.hashOffset;
      if (i < minIndex) break;
    }
  }

  /**
   * Go's tryBetterMatchAtEnd: a longer match found through the hash at the pending match's end replaces it, one or
   * two bytes later when its first bytes differ (those go out as literals first).
   */
  private betterMatchAtEnd(prevLength: number, prevOffset: number, lookahead: number): [number, number] {
    const win = this.window;
    if (prevLength >= MAX_MATCH - 2) return [prevLength, prevOffset];
    const prevIndex = this.index - 1;
    if (prevIndex + prevLength >= this.maxInsertIndex) return [prevLength, prevOffset];
    const end = Math.min(lookahead, MAX_MATCH + 2) + prevIndex;
    const minIndex = Math.max(this.index - WINDOW, 0);
    const ch2 = this.hashHead[this.hash(prevIndex + prevLength)] - this.hashOffset - prevLength;
    if (prevIndex - ch2 === prevOffset || ch2 <= minIndex + 2) return [prevLength, prevOffset];
    let length = 0;
    while (prevIndex + 2 + length < end && win[prevIndex + 2 + length] === win[ch2 + 2 + length]) length++;
    if (length <= prevLength) return [prevLength, prevOffset];
    prevLength = length;
    prevOffset = prevIndex - ch2;
    for (let i = 1; i >= 0; i--) {
      if (prevLength >= MAX_MATCH || win[prevIndex + i] !== win[ch2 + i]) {
        for (let j = 0; j <= i; j++) {
          this.emitLiteral(win[prevIndex + j]);
          this.index++;
          if (this.index < this.maxInsertIndex) this.insert(this.index);
        }
        break;
      }
      prevLength++;
    }
    return [prevLength, prevOffset];
  }

  /** Go's skipLiterals: after a long run of literals, emit more of them without searching. */
  private skipLiterals(): void {
    const win = this.window;
    let n = this.literalCounter - this.chain;
    if (n <= 0) return;
    n = 1 + (n >> 6);
    for (let k = 0; k < n; k++) {
      if (this.index >= this.windowEnd - 1) break;
      this.emitLiteral(win[this.index - 1]);
      if (this.index < this.maxInsertIndex) this.insert(this.index);
      this.index++;
    }
    this.tokens.literal(win[this.index - 1]);
    this.byteAvailable = false;
    if (this.tokens.n === MAX_BLOCK_TOKENS) this.writeBlock(this.index);
  }
}
