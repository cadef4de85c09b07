/**
 * Go 1.27's level 2 matcher, from its behaviour (fastEncL2): level 1's search (5-byte hash, two positions a step,
 * the step growing every 32 bytes) over a 2^17-entry table; after a match, positions inside it go into the table
 * (three of every seven from 2 past where it was emitted; the third hashed with its fifth byte read as zero, as Go's shifted load gives it), then the two positions before its end and its end,
 * where a match (up to exactly 32 KiB back) is taken at once.
 */
import { History, MAX_DISTANCE, hash5, hash5Of, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

const INPUT_MARGIN = 11;
const MIN_NON_LITERAL_BLOCK = 13;
const BITS = 17;
const SHIFT = 32 - BITS;

export class Level2 {
  readonly hist = new History();
  private readonly table = new Int32Array(1 << BITS);

  encode(dst: Tokens, src: Uint8Array, start: number, end: number): void {
    const h = this.hist;
    if (h.needsRebase()) h.rebase([this.table]);
    let s = h.add(src, start, end);
    if (end - start < MIN_NON_LITERAL_BLOCK) {
      dst.n = end - start;
      return;
    }
    const buf = h.buf, view = h.view, table = this.table;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    const hash = (p: number) => hash5(buf, view, p, SHIFT);
    outer: for (;;) {
      let nextS = s;
      let candidate = 0;
      for (;;) {
        let hs = hash(nextS);
        s = nextS;
        nextS = s + 2 + ((s - nextEmit) >> 5);
        if (nextS > sLimit) break outer;
        candidate = table[hs];
        table[hs] = s + cur;
        hs = hash(nextS);
        let t = candidate - cur;
        if (s - t < MAX_DISTANCE && view.getUint32(s, true) === view.getUint32(t, true)) {
          table[hs] = nextS + cur;
          break;
        }
        s = nextS;
        nextS++;
        candidate = table[hs];
        table[hs] = s + cur;
        t = candidate - cur;
        if (s - t < MAX_DISTANCE && view.getUint32(s, true) === view.getUint32(t, true)) break;
      }
      for (;;) {
        let t = candidate - cur;
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
          if (s + l + 8 < len) table[hash(s)] = s + cur;
          break outer;
        }
        for (let i = s - l + 2; i < s - 5; i += 7) {
          table[hash(i)] = cur + i;
          table[hash(i + 2)] = cur + i + 2;
          // Go hashes i + 4 from an 8-byte load at i shifted down by 4 bytes: its fifth byte is a zero.
          table[hash5Of(buf[i + 4], view.getUint32(i + 5, true) & 0xffffff, SHIFT)] = cur + i + 4;
        }
        table[hash(s - 2)] = cur + s - 2;
        table[hash(s - 1)] = cur + s - 1;
        const hs = hash(s);
        candidate = table[hs];
        table[hs] = cur + s;
        const off = s - (candidate - cur);
        if (off > MAX_DISTANCE || view.getUint32(s, true) !== view.getUint32(candidate - cur, true)) {
          s++;
          break;
        }
      }
    }
    if (nextEmit < len && dst.n !== 0) dst.literals(buf, nextEmit, len);
  }
}
