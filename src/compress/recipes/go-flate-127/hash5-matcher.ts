/**
 * The search levels 1 and 2 share (Go's fastEncL1 and fastEncL2 are one loop with other constants): one table of
 * positions keyed by a 5-byte hash; a candidate is taken when its 4 bytes equal and it is under 32 KiB back (into
 * earlier blocks of the history too). While nothing matches, two positions are tried per step and the step grows by
 * one every 32 bytes since the last match. A match is extended forwards without limit (split into 258-byte pieces)
 * and backwards to the last emitted byte; after it the level indexes what it indexes (`indexMatch`), the table
 * gets the match's end, and a match found there (up to exactly 32 KiB back) is taken at once.
 *
 * What differs: the table's size, whether a match at the second position of a step stores that position + 1 under
 * its hash (level 1 does, level 2 does not), and the positions indexed after a match.
 */
import { FastMatcher, INPUT_MARGIN } from './fast-matcher.js';
import { MAX_DISTANCE, hash5, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

export abstract class Hash5Matcher extends FastMatcher {
  protected readonly table: Int32Array;
  /** 32 - the table's bits: hash5 keeps the top bits of its product. */
  protected readonly shift: number;

  constructor(bits: number, private readonly secondStoresNext: boolean) {
    super();
    this.table = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  protected rebase(): void {
    this.hist.rebase([this.table]);
  }

  /** The positions a match leaves in the table before its end s is (l: its length, back extension included). */
  protected abstract indexMatch(buf: Uint8Array, view: DataView, cur: number, s: number, l: number): void;

  encode(dst: Tokens, n: number): void {
    let s = this.begin(dst, n);
    if (s < 0) return;
    const h = this.hist;
    const buf = h.buf, view = h.view, table = this.table, shift = this.shift;
    const secondStoresNext = this.secondStoresNext;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    let t = 0;
    let nextS = 0;
    outer: for (;;) {
      // Find a 4-byte match: s is the position tried (the hash of the bytes at s).
      for (;;) {
        let hs = hash5(buf, view, s, shift);
        let candidate = table[hs];
        nextS = s + 2 + ((s - nextEmit) >> 5);
        if (nextS > sLimit) break outer;
        table[hs] = s + cur;
        hs = hash5(buf, view, nextS, shift);
        t = candidate - cur;
        if (s - t < MAX_DISTANCE && view.getUint32(s, true) === view.getUint32(t, true)) {
          table[hs] = nextS + cur;
          break;
        }
        s = nextS;
        nextS++;
        candidate = table[hs];
        table[hs] = s + cur;
        t = candidate - cur;
        if (s - t < MAX_DISTANCE && view.getUint32(s, true) === view.getUint32(t, true)) {
          if (secondStoresNext) table[hs] = nextS + cur;
          break;
        }
        s = nextS;
      }
      for (;;) {
        let l = matchLen(buf, view, s + 4, t + 4, len) + 4;
        // Tokens.extendAndEmit's work, kept inline here: levels 1 and 2 make the most (and shortest) matches, and
        // at level 1 the call looked like 2-5% of the user CPU (a loaded machine; within its noise at other levels).
        while (t > 0 && s > nextEmit && buf[t - 1] === buf[s - 1]) {
          s--;
          t--;
          l++;
        }
        if (nextEmit < s) dst.literals(buf, nextEmit, s);
        dst.match(l, s - t);
        s += l;
        nextEmit = s;
        if (nextS >= s) s = nextS + 1;
        if (s >= sLimit) {
          if (s + l + 8 < len) table[hash5(buf, view, s, shift)] = s + cur;
          break outer;
        }
        this.indexMatch(buf, view, cur, s, l);
        const hs = hash5(buf, view, s, shift);
        const candidate = table[hs];
        table[hs] = cur + s;
        t = candidate - cur;
        if (s - t > MAX_DISTANCE || view.getUint32(s, true) !== view.getUint32(t, true)) {
          s++;
          break;
        }
      }
    }
    dst.remainder(buf, nextEmit, len);
  }
}
