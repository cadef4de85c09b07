/**
 * Go 1.27's level 4 matcher, from its behaviour (fastEncL4): a short table (4-byte hash) and a long one (7-byte
 * hash), one position each, 2^15 entries; one position a step, the step growing every 64 bytes. A long candidate is
 * taken first; a short one is weighed against the next position's long candidate. That comparison is reproduced as
 * Go 1.27 makes it: the long candidate's match is measured from its *distance* (plus 4) as if it were a position, so
 * which of the two wins is not always the longer. After a match, from where the search had reached, every third
 * position goes into the long table and the one after it into both; then the position before the end.
 */
import { FastMatcher, INPUT_MARGIN } from './fast-matcher.js';
import { MAX_DISTANCE, TABLE_SIZE, hash4, hash7, matchLen } from './history.js';
import type { Tokens } from './tokens.js';


export class Level4 extends FastMatcher {
  private readonly table = new Int32Array(TABLE_SIZE);
  private readonly long = new Int32Array(TABLE_SIZE);

  protected rebase(): void {
    this.hist.rebase([this.table, this.long]);
  }

  encode(dst: Tokens, n: number): void {
    let s = this.begin(dst, n);
    if (s < 0) return;
    const h = this.hist;
    const buf = h.buf, view = h.view, table = this.table, long = this.long;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    outer: for (;;) {
      let nextS = s;
      let t = 0;
      for (;;) {
        const hs = hash4(view, nextS);
        const hl = hash7(buf, view, nextS);
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 6);
        if (nextS > sLimit) break outer;
        const sCand = table[hs], lCand = long[hl];
        table[hs] = s + cur;
        long[hl] = s + cur;
        const cv = view.getUint32(s, true);
        t = lCand - cur;
        if (s - t < MAX_DISTANCE && cv === view.getUint32(t, true)) break;
        t = sCand - cur;
        if (s - t < MAX_DISTANCE && cv === view.getUint32(t, true)) {
          const lOff = long[hash7(buf, view, nextS)] - cur;
          if (nextS - lOff < MAX_DISTANCE && view.getUint32(lOff, true) === view.getUint32(nextS, true)) {
            const l1 = matchLen(buf, view, s + 4, t + 4, len);
            const l2 = matchLen(buf, view, nextS + 4, nextS - lOff + 4, len);
            if (l2 > l1) {
              s = nextS;
              t = lOff;
            }
          }
          break;
        }
      }
      const l = matchLen(buf, view, s + 4, t + 4, len) + 4;
      dst.extendAndEmit(buf, nextEmit, s, t, l);
      s += l;
      nextEmit = s;
      if (nextS >= s) s = nextS + 1;
      if (s >= sLimit) {
        if (s + 8 < len) {
          table[hash4(view, s)] = s + cur;
          long[hash7(buf, view, s)] = s + cur;
        }
        break outer;
      }
      for (let i = nextS; i < s - 1; i += 3) {
        long[hash7(buf, view, i)] = i + cur;
        long[hash7(buf, view, i + 1)] = i + 1 + cur;
        table[hash4(view, i + 1)] = i + 1 + cur;
      }
      table[hash4(view, s - 1)] = s - 1 + cur;
      long[hash7(buf, view, s - 1)] = s - 1 + cur;
    }
    dst.remainder(buf, nextEmit, len);
  }
}
