/**
 * Go 1.27's level 6 (DefaultCompression) matcher, from its behaviour (fastEncL6). Two tables of 2^15 entries: a
 * short one keyed by a 4-byte hash (one position) and a long one keyed by a 7-byte hash (the last two positions).
 * Per position: the long candidates are tried first (the older one too, and the longer of two that both match
 * wins), then the short one; a short match is weighed against the last match's distance one byte on ("repeat")
 * and against the long candidates of the next position, the longest winning (a repeat that is longer is taken at
 * once). Lengths are compared up to 258 first, then extended without limit. A match may then be replaced by a
 * longer one found through the long table at its end (two bytes of slack at the start), and is extended backwards.
 * The step grows by one every 128 bytes since the last match. After a match every position inside it goes into the
 * long table and every second into the short one; after the last match of a block, every second position to the
 * end goes into both.
 */
import { History, MAX_DISTANCE, TABLE_SIZE, dropPairs, hash4, hash7, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

const INPUT_MARGIN = 11;
const MIN_NON_LITERAL_BLOCK = 13;
const LIMITED = 258 - 4;

export class Level6 {
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
        nextS = s + 1 + ((s - nextEmit) >> 7);
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
          if (view.getUint32(t2, true) === view.getUint32(s + 1, true)) {
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
      if (sAt < sLimit) {
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
      while (t > 0 && s > nextEmit && buf[t - 1] === buf[s - 1]) {
        s--;
        t--;
        l++;
      }
      if (nextEmit < s) dst.literals(buf, nextEmit, s);
      dst.match(l, s - t);
      repeat = s - t;
      s += l;
      nextEmit = s;
      if (nextS >= s) s = nextS + 1;
      if (s >= sLimit) {
        for (let i = nextS + 1; i < len - 8; i += 2) {
          table[hash4(view, i)] = i + cur;
          const e = hash7(buf, view, i);
          long[(e << 1) + 1] = long[e << 1];
          long[e << 1] = i + cur;
        }
        break outer;
      }
      fillInside(buf, view, table, long, cur, nextS + 1, s - 1);
    }
    if (nextEmit < len && dst.n !== 0) dst.literals(buf, nextEmit, len);
  }
}

/**
 * The positions inside a match, [from, to): every one into the long table, every second into the short one. Its own
 * small function so that V8 inlines the two hashes here; inside encode, grown past V8's inlining budget, they
 * would stay calls.
 */
function fillInside(buf: Uint8Array, view: DataView, table: Int32Array, long: Int32Array, cur: number, from: number, to: number): void {
  for (let i = from; i < to; i += 2) {
    const e1 = hash7(buf, view, i);
    const e2 = hash7(buf, view, i + 1);
    table[hash4(view, i)] = i + cur;
    long[(e1 << 1) + 1] = long[e1 << 1];
    long[e1 << 1] = i + cur;
    long[(e2 << 1) + 1] = long[e2 << 1];
    long[e2 << 1] = i + 1 + cur;
  }
}
