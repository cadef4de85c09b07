/**
 * The search levels 5 and 6 share (Go's fastEncL5 and fastEncL6 are one loop with a few additions): two tables of
 * 2^15 entries, a short one keyed by a 4-byte hash (one position) and a long one keyed by a 7-byte hash (the last
 * two positions). Per position the long candidates are tried first (the older one too, and the longer of two that
 * both match wins), then the short one; a short match is weighed against the long candidates of the next position.
 * Lengths are compared up to 258 first, then extended without limit. A match may then be replaced by a longer one
 * found through the long table at its end (two bytes of slack at its start), and is extended backwards.
 *
 * What differs, as settings: how fast the step grows (`skipLog`: one more every 2^skipLog bytes since the last
 * match), whether a short match is weighed against the last match's distance one byte on first (`repeat`), whether
 * the first longer match among the next position's candidates wins at once (`nextFirstWins`), which matches look
 * at their end (`endBelow`: shorter than this) and through which entries (`endBoth`: the older too); and, as
 * methods, the positions indexed after a match and after a block's last match.
 */
import { FastMatcher, INPUT_MARGIN } from './fast-matcher.js';
import { MAX_DISTANCE, TABLE_SIZE, dropPairs, hash4, hash7, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

const LIMITED = 258 - 4;

export interface LongPairsSettings {
  skipLog: number;
  repeat: boolean;
  nextFirstWins: boolean;
  endBelow: number;
  endBoth: boolean;
}

export abstract class LongPairsMatcher extends FastMatcher {
  protected readonly table = new Int32Array(TABLE_SIZE);
  /** The long table: [2e] the newest position of hash e, [2e + 1] the one before. */
  protected readonly long = new Int32Array(2 * TABLE_SIZE);

  constructor(private readonly settings: LongPairsSettings) {
    super();
  }

  protected rebase(): void {
    dropPairs(this.hist, this.long);
    this.hist.rebase([this.table, this.long]);
  }

  /** The positions a match [s - l, s) leaves in the tables (nextS: where the search had reached). */
  protected abstract indexMatch(buf: Uint8Array, view: DataView, cur: number, s: number, l: number, nextS: number): void;

  /** The positions indexed when a block's last match ends past the search limit. */
  protected abstract indexTail(buf: Uint8Array, view: DataView, cur: number, nextS: number, len: number): void;

  encode(dst: Tokens, n: number): void {
    let s = this.begin(dst, n);
    if (s < 0) return;
    const h = this.hist;
    const buf = h.buf, view = h.view, table = this.table, long = this.long;
    const { skipLog, repeat: tryRepeat, nextFirstWins, endBelow, endBoth } = this.settings;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    const limited = (a: number, b: number) => matchLen(buf, view, a, b, Math.min(a + LIMITED, len));
    let repeat = 1;
    outer: for (;;) {
      let nextS = s;
      let l = 0;
      let t = 0;
      // The hashes of the position about to be tried; each step computes those of the next one anyway.
      let hs = hash4(view, nextS);
      let hl = hash7(buf, view, nextS);
      for (;;) {
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> skipLog);
        if (nextS > sLimit) break outer;
        const sCand = table[hs];
        let lCur = long[hl << 1], lPrev = long[(hl << 1) + 1];
        const cv = view.getUint32(s, true);
        table[hs] = s + cur;
        long[(hl << 1) + 1] = long[hl << 1];
        long[hl << 1] = s + cur;
        hs = hash4(view, nextS);
        hl = hash7(buf, view, nextS);
        t = lCur - cur;
        if (s - t < MAX_DISTANCE) {
          if (cv === view.getUint32(t, true)) {
            table[hs] = nextS + cur;
            long[(hl << 1) + 1] = long[hl << 1];
            long[hl << 1] = nextS + cur;
            const t2 = lPrev - cur;
            if (s - t2 < MAX_DISTANCE && cv === view.getUint32(t2, true)) {
              l = limited(s + 4, t + 4) + 4;
              const ml = limited(s + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                l = ml;
              }
            }
            break;
          }
          t = lPrev - cur;
          if (s - t < MAX_DISTANCE && cv === view.getUint32(t, true)) {
            table[hs] = nextS + cur;
            long[(hl << 1) + 1] = long[hl << 1];
            long[hl << 1] = nextS + cur;
            break;
          }
        }
        t = sCand - cur;
        if (s - t < MAX_DISTANCE && cv === view.getUint32(t, true)) {
          l = limited(s + 4, t + 4) + 4;
          lCur = long[hl << 1];
          lPrev = long[(hl << 1) + 1];
          table[hs] = nextS + cur;
          long[(hl << 1) + 1] = long[hl << 1];
          long[hl << 1] = nextS + cur;
          let t2 = s - repeat + 1;
          if (tryRepeat && view.getUint32(t2, true) === view.getUint32(s + 1, true)) {
            const ml = limited(s + 5, t2 + 4) + 4;
            if (ml > l) {
              t = t2;
              l = ml;
              s += 1;
              break;
            }
          }
          t2 = lCur - cur;
          if (nextS - t2 < MAX_DISTANCE) {
            const next = view.getUint32(nextS, true);
            if (view.getUint32(t2, true) === next) {
              const ml = limited(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
                if (nextFirstWins) break;
              }
            }
            t2 = lPrev - cur;
            if (nextS - t2 < MAX_DISTANCE && view.getUint32(t2, true) === next) {
              const ml = limited(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
              }
            }
          }
          break;
        }
      }
      if (l === 0) l = matchLen(buf, view, s + 4, t + 4, len) + 4;
      else if (l === 258) l += matchLen(buf, view, s + l, t + l, len);
      const sAt = s + l;
      if (l < endBelow && sAt < sLimit) {
        // A longer match through the long table at the end of this one, allowing 2 bytes at its start to differ.
        const e = hash7(buf, view, sAt);
        let t2 = long[e << 1] - cur - l + 2;
        const s2 = s + 2;
        let off = s2 - t2;
        if (off < MAX_DISTANCE) {
          if (off > 0 && t2 >= 0) {
            const l2 = matchLen(buf, view, s2, t2, len);
            if (l2 > l) {
              t = t2;
              l = l2;
              s = s2;
            }
          }
          if (endBoth) {
            t2 = long[(e << 1) + 1] - cur - l + 2;
            off = s2 - t2;
            if (off > 0 && off < MAX_DISTANCE && t2 >= 0) {
              const l2 = matchLen(buf, view, s2, t2, len);
              if (l2 > l) {
                t = t2;
                l = l2;
                s = s2;
              }
            }
          }
        }
      }
      const back = dst.extendAndEmit(buf, nextEmit, s, t, l);
      repeat = s - t;
      s += l;
      l += back;
      nextEmit = s;
      if (nextS >= s) s = nextS + 1;
      if (s >= sLimit) {
        this.indexTail(buf, view, cur, nextS, len);
        break outer;
      }
      this.indexMatch(buf, view, cur, s, l, nextS);
    }
    dst.remainder(buf, nextEmit, len);
  }
}
