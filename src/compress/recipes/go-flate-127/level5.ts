/**
 * Go 1.27's level 5 matcher, from its behaviour (fastEncL5): level 6's tables (a short 4-byte-hash table, a long
 * 7-byte-hash table of the last two positions) and search, without level 6's repeat check, the step growing every
 * 64 bytes; the first longer match of the next position's long candidates wins. A match under 30 bytes may be
 * replaced by a longer one through the long table at its end (newest entry only). After a match, positions inside it
 * go in sparsely (from one past where it was emitted: long and short, long, short, then every third long and the
 * one after it short), then the position before its end.
 */
import { History, MAX_DISTANCE, TABLE_SIZE, dropPairs, hash4, hash7, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

const INPUT_MARGIN = 11;
const MIN_NON_LITERAL_BLOCK = 13;
const LIMITED = 258 - 4;

export class Level5 {
  readonly hist = new History();
  private readonly table = new Int32Array(TABLE_SIZE);
  /** The long table: [2e] the newest position of hash e, [2e + 1] the one before. */
  private readonly long = new Int32Array(2 * TABLE_SIZE);

  encode(dst: Tokens, src: Uint8Array, start: number, end: number): void {
    const h = this.hist;
    if (h.needsRebase()) {
      dropPairs(h, this.long);
      h.rebase([this.table, this.long]);
    }
    let s = h.add(src, start, end);
    if (end - start < MIN_NON_LITERAL_BLOCK) {
      dst.n = end - start;
      return;
    }
    const buf = h.buf, view = h.view, table = this.table, long = this.long;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    const limited = (a: number, b: number) => matchLen(buf, view, a, b, Math.min(a + LIMITED, len));
    const push = (e: number, pos: number) => {
      long[(e << 1) + 1] = long[e << 1];
      long[e << 1] = pos;
    };
    outer: for (;;) {
      let nextS = s;
      let l = 0;
      let t = 0;
      // The hashes of the position about to be tried; each step computes those of the next one anyway.
      let hs = hash4(view, nextS);
      let hl = hash7(buf, view, nextS);
      for (;;) {
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 6);
        if (nextS > sLimit) break outer;
        const sCand = table[hs];
        let lCur = long[hl << 1], lPrev = long[(hl << 1) + 1];
        const cv = view.getUint32(s, true);
        table[hs] = s + cur;
        push(hl, s + cur);
        hs = hash4(view, nextS);
        hl = hash7(buf, view, nextS);
        t = lCur - cur;
        if (s - t < MAX_DISTANCE) {
          if (cv === view.getUint32(t, true)) {
            table[hs] = nextS + cur;
            push(hl, nextS + cur);
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
            push(hl, nextS + cur);
            break;
          }
        }
        t = sCand - cur;
        if (s - t < MAX_DISTANCE && cv === view.getUint32(t, true)) {
          l = limited(s + 4, t + 4) + 4;
          lCur = long[hl << 1];
          lPrev = long[(hl << 1) + 1];
          table[hs] = nextS + cur;
          push(hl, nextS + cur);
          let t2 = lCur - cur;
          if (nextS - t2 < MAX_DISTANCE) {
            const next = view.getUint32(nextS, true);
            if (view.getUint32(t2, true) === next) {
              const ml = limited(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
                break;
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
      if (l < 30 && sAt < sLimit) {
        const t2 = long[(hash7(buf, view, sAt)) << 1] - cur - l + 2;
        const s2 = s + 2;
        const off = s2 - t2;
        if (t2 >= 0 && off < MAX_DISTANCE && off > 0) {
          const l2 = matchLen(buf, view, s2, t2, len);
          if (l2 > l) {
            t = t2;
            l = l2;
            s = s2;
          }
        }
      }
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
      if (s >= sLimit) break outer;
      let i = s - l + 1;
      if (i < s - 1) {
        table[hash4(view, i)] = i + cur;
        push(hash7(buf, view, i), i + cur);
        push(hash7(buf, view, i + 1), i + 1 + cur);
        table[hash4(view, i + 2)] = i + 2 + cur;
        for (i += 4; i < s - 1; i += 3) {
          push(hash7(buf, view, i), i + cur);
          table[hash4(view, i + 1)] = i + 1 + cur;
        }
      }
      table[hash4(view, s - 1)] = s - 1 + cur;
      push(hash7(buf, view, s - 1), s - 1 + cur);
    }
    if (nextEmit < len && dst.n !== 0) dst.literals(buf, nextEmit, len);
  }
}
