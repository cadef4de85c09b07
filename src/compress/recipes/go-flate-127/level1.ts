/**
 * Go 1.27's level 1 (BestSpeed) matcher, from its behaviour (fastEncL1): one table of 2^15 positions keyed by a
 * 5-byte hash; a candidate is taken when its 4 bytes equal and it is under 32 KiB back (into earlier blocks of the
 * history too). While nothing matches, two positions are tried per step and the step grows by one every 32 bytes
 * since the last match. A match is extended forwards without limit (split into 258-byte pieces) and backwards to
 * the last emitted byte; after it the table gets the positions 2 before and at its end, and a match found at its
 * end (up to exactly 32 KiB back) is taken at once. Matching stops 11 bytes before the end of the history.
 */
import { History, MAX_DISTANCE, TABLE_SIZE, hash5, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

const INPUT_MARGIN = 11;
const MIN_NON_LITERAL_BLOCK = 13;

export class Level1 {
  readonly hist = new History();
  private readonly table = new Int32Array(TABLE_SIZE);

  encode(dst: Tokens, src: Uint8Array, start: number, end: number): void {
    const h = this.hist;
    if (h.needsRebase()) h.rebase([this.table]);
    let s = h.add(src, start, end);
    if (end - start < MIN_NON_LITERAL_BLOCK) {
      // Go marks the block as all literals without making tokens; its caller never gets here with so few bytes.
      dst.n = end - start;
      return;
    }
    const buf = h.buf, view = h.view, table = this.table;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    let t = 0;
    let nextS = 0;
    outer: for (;;) {
      // Find a 4-byte match: s is the position tried (the hash of the bytes at s).
      for (;;) {
        let hs = hash5(buf, view, s);
        let candidate = table[hs];
        nextS = s + 2 + ((s - nextEmit) >> 5);
        if (nextS > sLimit) break outer;
        table[hs] = s + cur;
        hs = hash5(buf, view, nextS);
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
          table[hs] = nextS + cur;
          break;
        }
        s = nextS;
      }
      for (;;) {
        let l = matchLen(buf, view, s + 4, t + 4, len) + 4;
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
          if (s + l + 8 < len) table[hash5(buf, view, s)] = s + cur;
          break outer;
        }
        table[hash5(buf, view, s - 2)] = cur + s - 2;
        const hs = hash5(buf, view, s);
        const candidate = table[hs];
        table[hs] = cur + s;
        t = candidate - cur;
        if (s - t > MAX_DISTANCE || view.getUint32(s, true) !== view.getUint32(t, true)) {
          s++;
          break;
        }
      }
    }
    if (nextEmit < len && dst.n !== 0) dst.literals(buf, nextEmit, len);
  }
}
