/**
 * klauspost/compress flate's level 5 match finder (fastEncL5), reproduced from its behaviour. Given a block (at
 * most 65535 bytes) it appends the block's tokens, and its state (a history of the previous bytes and two hash
 * tables) carries matches into the blocks before it, up to 32767 bytes back.
 *
 * The facts that shape its tokens:
 * - Two tables of 2^15 entries: a short one keyed by the hash of 4 bytes ((u32 * 0x9E3779B1) >> 17) and a long one
 *   keyed by the hash of 7 bytes (((u64 << 8) * 0xCF1BBCDCBFA563) >> 49, mod 2^64) whose entries hold the last two
 *   positions with that hash.
 * - At each position it looks at the long table's newer candidate, then its older one, then the short candidate,
 *   each a match when its first 4 bytes are equal and it is under 32768 bytes back; the position after is hashed
 *   into both tables as soon as a candidate is taken. A short match is replaced by a long candidate at the next
 *   position when that one is longer; two long candidates at once, by the longer.
 * - Without matches it steps forward 1 + (bytes since the last emitted) / 64.
 * - A match under 30 bytes is tried against the long table's candidate for the bytes at its end, shifted back by
 *   its length less 2 (taken when strictly longer), and every match is extended backwards over equal bytes.
 * - Matches may run past 258 bytes (cut into pieces by Tokens.match); the search stops 11 bytes before the block's
 *   end, and a block without any match yields no tokens at all (the caller stores it).
 * - After a match, the positions inside it are hashed: the first three into the tables, then every third.
 *
 * Positions in the tables are offsets from `cur`; the history is kept in a buffer of 5 x 65535 bytes whose last
 * 32768 bytes move to its start when the next block would not fit, as klauspost's does (positions are relative, so
 * the move changes nothing but where the bytes are).
 */
import type { Tokens } from './tokens.js';

const TABLE_BITS = 15;
const TABLE_SIZE = 1 << TABLE_BITS;
const MAX_OFFSET = 1 << 15;
const MAX_MATCH = 258;
const HISTORY = 65535 * 5;
const INPUT_MARGIN = 11;
const MIN_NON_LITERAL_BLOCK = 13;
/** Rebase positions well before they could overflow an int32 (klauspost's bufferReset). */
const BUFFER_RESET = 0x7fffffff - HISTORY - 65535 - 1;

const PRIME4 = 0x9e3779b1 | 0;
const hash4 = (lo: number) => Math.imul(lo, PRIME4) >>> (32 - TABLE_BITS);

/**
 * The hash of the low 7 bytes of the 64-bit little-endian word (lo, hi): the top 15 bits of (v << 8) times
 * 0xCF1BBC_DCBFA563 mod 2^64, whose high word is taken from 32-bit products: the 4 bytes from the fourth on times
 * the prime's low word, lo << 8 times its high word, plus the high word of (lo's low 3 bytes << 8) times the low
 * word, i.e. floor(low * 0xDCBFA563 / 2^24) = low * 0xDC + floor(low * 0xBFA563 / 2^24), both exact in a double
 * (one floor where splitting lo into 16-bit halves took two).
 */
function hash7(lo: number, hi: number): number {
  const low = lo & 0xffffff;
  const carry = low * 0xdc + Math.floor(low * 0xbfa563 * (1 / 16777216));
  return (Math.imul((lo >>> 24) | (hi << 8), PL127) + Math.imul(lo << 8, 0x00cf1bbc) + carry) >>> (32 - TABLE_BITS);
}
const PL127 = 0xdcbfa563 | 0;

export class Level5Matcher {
  private readonly hist = new Uint8Array(HISTORY);
  private readonly view = new DataView(this.hist.buffer);
  private histLen = 0;
  private cur = 65535;
  private readonly table = new Int32Array(TABLE_SIZE);
  private readonly longCur = new Int32Array(TABLE_SIZE);
  private readonly longPrev = new Int32Array(TABLE_SIZE);

  /** Forgets the history: every table entry falls out of reach (klauspost's Reset). */
  reset(): void {
    if (this.cur <= BUFFER_RESET) this.cur += MAX_OFFSET + this.histLen;
    this.histLen = 0;
  }

  /** Appends `src` to the history; returns where it starts. */
  private addBlock(src: Uint8Array): number {
    if (this.histLen + src.length > HISTORY) {
      const offset = this.histLen - MAX_OFFSET;
      this.hist.copyWithin(0, offset, this.histLen);
      this.cur += offset;
      this.histLen = MAX_OFFSET;
    }
    const s = this.histLen;
    this.hist.set(src, s);
    this.histLen += src.length;
    return s;
  }

  /** Moves every position down before `cur` could overflow, dropping those out of reach. */
  private rebase(): void {
    if (this.histLen === 0) {
      this.table.fill(0);
      this.longCur.fill(0);
      this.longPrev.fill(0);
      this.cur = MAX_OFFSET;
      return;
    }
    const minOff = this.cur + this.histLen - MAX_OFFSET;
    const shift = (v: number) => (v <= minOff ? 0 : v - this.cur + MAX_OFFSET);
    for (let i = 0; i < TABLE_SIZE; i++) {
      this.table[i] = shift(this.table[i]);
      if (this.longCur[i] <= minOff) {
        this.longCur[i] = 0;
        this.longPrev[i] = 0;
      } else {
        this.longCur[i] = shift(this.longCur[i]);
        this.longPrev[i] = shift(this.longPrev[i]);
      }
    }
    this.cur = MAX_OFFSET;
  }

  /** Appends the tokens of `src` to `dst`. */
  encode(dst: Tokens, src: Uint8Array): void {
    while (this.cur >= BUFFER_RESET) this.rebase();
    let s = this.addBlock(src);
    if (src.length < MIN_NON_LITERAL_BLOCK) {
      // klauspost leaves such a block to its caller, counting its bytes as tokens without adding any.
      dst.n = src.length;
      return;
    }
    const h = this.hist;
    const view = this.view;
    const table = this.table;
    const longCur = this.longCur;
    const longPrev = this.longPrev;
    const cur = this.cur;
    const end = this.histLen;
    const sLimit = end - INPUT_MARGIN;
    const load32 = (i: number) => view.getInt32(i, true);
    /**
     * Length of the common prefix of h[a:] and h[b:], a after b, up to `stop`: a little-endian word at a time, the
     * equal low bytes of the first differing word counted from the XOR's lowest set bit (no byte loop but the tail).
     */
    const common = (a: number, b: number, stop: number): number => {
      let n = 0;
      const last = stop - a - 4;
      while (n <= last) {
        const x = view.getInt32(a + n, true) ^ view.getInt32(b + n, true);
        if (x !== 0) return n + ((31 - Math.clz32(x & -x)) >> 3);
        n += 4;
      }
      while (a + n < stop && h[a + n] === h[b + n]) n++;
      return n;
    };
    const matchlen = (a: number, b: number) => common(a, b, Math.min(a + MAX_MATCH - 4, end));
    const matchlenLong = (a: number, b: number) => common(a, b, end);
    // A long-table insert (the newer entry becomes the older) is written out in place at each use: as a closure it
    // was 5-6% of the profile.

    let nextEmit = s;
    let cvLo = load32(s);
    let cvHi = load32(s + 4);
    for (;;) {
      let nextS = s;
      let l = 0;
      let t = 0;
      // The hashes at s, carried over from the step before when it looked at nextS and took nothing.
      let hS = hash4(cvLo);
      let hL = hash7(cvLo, cvHi);
      for (;;) {
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 6);
        if (nextS > sLimit) return this.remainder(dst, nextEmit);
        const sCand = table[hS];
        const lCand = longCur[hL];
        const lPrev = longPrev[hL];
        const nextLo = load32(nextS);
        const nextHi = load32(nextS + 4);
        table[hS] = s + cur;
        longPrev[hL] = lCand;
        longCur[hL] = s + cur;
        const hS2 = hash4(nextLo);
        const hL2 = hash7(nextLo, nextHi);

        t = lCand - cur;
        if (s - t < MAX_OFFSET) {
          if (cvLo === load32(t)) {
            table[hS2] = nextS + cur;
            longPrev[hL2] = longCur[hL2];
            longCur[hL2] = nextS + cur;
            const t2 = lPrev - cur;
            if (s - t2 < MAX_OFFSET && cvLo === load32(t2)) {
              l = matchlen(s + 4, t + 4) + 4;
              const l1 = matchlen(s + 4, t2 + 4) + 4;
              if (l1 > l) {
                t = t2;
                l = l1;
              }
            }
            break;
          }
          t = lPrev - cur;
          if (s - t < MAX_OFFSET && cvLo === load32(t)) {
            table[hS2] = nextS + cur;
            longPrev[hL2] = longCur[hL2];
            longCur[hL2] = nextS + cur;
            break;
          }
        }

        t = sCand - cur;
        if (s - t < MAX_OFFSET && cvLo === load32(t)) {
          l = matchlen(s + 4, t + 4) + 4;
          const nCand = longCur[hL2];
          const nPrev = longPrev[hL2];
          table[hS2] = nextS + cur;
          longPrev[hL2] = nCand;
          longCur[hL2] = nextS + cur;
          // A long candidate at the next position wins when it is longer.
          let t2 = nCand - cur;
          if (nextS - t2 < MAX_OFFSET) {
            if (load32(t2) === nextLo) {
              const ml = matchlen(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
                break;
              }
            }
            t2 = nPrev - cur;
            if (nextS - t2 < MAX_OFFSET && load32(t2) === nextLo) {
              const ml = matchlen(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
                break;
              }
            }
          }
          break;
        }
        cvLo = nextLo;
        cvHi = nextHi;
        hS = hS2;
        hL = hL2;
      }

      if (l === 0) l = matchlenLong(s + 4, t + 4) + 4;
      else if (l === MAX_MATCH) l += matchlenLong(s + l, t + l);

      // A better match may end where this one does: try the long candidate of the bytes at its end.
      const sAt = s + l;
      if (l < 30 && sAt < sLimit) {
        const e = longCur[hash7(load32(sAt), load32(sAt + 4))];
        const t2 = e - cur - l + 2;
        const s2 = s + 2;
        const off = s2 - t2;
        if (t2 >= 0 && off < MAX_OFFSET && off > 0) {
          const l2 = matchlenLong(s2, t2);
          if (l2 > l) {
            t = t2;
            l = l2;
            s = s2;
          }
        }
      }

      while (t > 0 && s > nextEmit && h[t - 1] === h[s - 1]) {
        s--;
        t--;
        l++;
      }
      if (nextEmit < s) {
        // The literals before the match, added in place (Tokens.literal, inlined: the hottest loop here).
        const toks = dst.tokens;
        const lf = dst.litFreq;
        let n = dst.n;
        while (nextEmit < s) {
          const b = h[nextEmit++];
          toks[n++] = b;
          lf[b]++;
        }
        dst.n = n;
      }
      dst.match(l, s - t - 1);
      s += l;
      nextEmit = s;
      if (nextS >= s) s = nextS + 1;
      if (s >= sLimit) return this.remainder(dst, nextEmit);

      // Hash positions inside the match: the first three, then every third.
      let i = s - l + 1;
      if (i < s - 1) {
        const o = i + cur;
        table[hash4(load32(i))] = o;
        const h0 = hash7(load32(i), load32(i + 4));
        longPrev[h0] = longCur[h0];
        longCur[h0] = o;
        const h1 = hash7(load32(i + 1), load32(i + 5));
        longPrev[h1] = longCur[h1];
        longCur[h1] = o + 1;
        table[hash4(load32(i + 2))] = o + 2;
        for (i += 4; i < s - 1; i += 3) {
          const hi = hash7(load32(i), load32(i + 4));
          longPrev[hi] = longCur[hi];
          longCur[hi] = i + cur;
          table[hash4(load32(i + 1))] = i + cur + 1;
        }
      }
      // And the two positions before where the search goes on.
      const o = cur + s - 1;
      table[hash4(load32(s - 1))] = o;
      const hb = hash7(load32(s - 1), load32(s + 3));
      longPrev[hb] = longCur[hb];
      longCur[hb] = o;
      cvLo = load32(s);
      cvHi = load32(s + 4);
    }
  }

  /** The bytes after the last match, as literals, unless the block had no match at all. */
  private remainder(dst: Tokens, nextEmit: number): void {
    if (nextEmit < this.histLen && dst.n > 0) {
      const h = this.hist;
      const toks = dst.tokens;
      const lf = dst.litFreq;
      let n = dst.n;
      for (let i = nextEmit; i < this.histLen; i++) {
        const b = h[i];
        toks[n++] = b;
        lf[b]++;
      }
      dst.n = n;
    }
  }
}
