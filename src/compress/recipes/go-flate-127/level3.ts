/**
 * Go 1.27's level 3 matcher, from its behaviour (fastEncL3): a 2^16-entry table of (newest, older) positions keyed
 * by a 5-byte hash; one position a step, the step growing every 128 bytes. A candidate counts only when more than
 * 32764 bytes back is not needed; when both the newest and the older match, the longer wins (the newest on a tie).
 * After a match, every sixth position inside it (from 2 past where it was emitted) and the two before its end go
 * into the table, and a match at its end is taken at once.
 */
import { FastMatcher, INPUT_MARGIN } from './fast-matcher.js';
import { MAX_DISTANCE, hash5, matchLen } from './history.js';
import type { Tokens } from './tokens.js';

const BITS = 16;
const SHIFT = 32 - BITS;

export class Level3 extends FastMatcher {
  private readonly newest = new Int32Array(1 << BITS);
  private readonly older = new Int32Array(1 << BITS);

  protected rebase(): void {
    this.hist.rebase([this.newest, this.older]);
  }

  encode(dst: Tokens, n: number): void {
    let s = this.begin(dst, n);
    if (s < 0) return;
    const h = this.hist;
    const buf = h.buf, view = h.view, newest = this.newest, older = this.older;
    const len = h.len;
    const cur = h.cur;
    let nextEmit = s;
    const sLimit = len - INPUT_MARGIN;
    const hash = (p: number) => hash5(buf, view, p, SHIFT);
    const push = (e: number, pos: number) => {
      older[e] = newest[e];
      newest[e] = pos;
    };
    outer: for (;;) {
      let nextS = s;
      let candidate = 0;
      for (;;) {
        const e = hash(nextS);
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 7);
        if (nextS > sLimit) break outer;
        const cNew = newest[e], cOld = older[e];
        const minOffset = cur + s - (MAX_DISTANCE - 4);
        push(e, s + cur);
        if (cNew < minOffset) continue;
        const cv = view.getUint32(s, true);
        if (cv === view.getUint32(cNew - cur, true)) {
          candidate = cNew;
          if (cOld < minOffset || cv !== view.getUint32(cOld - cur, true)) break;
          const l1 = matchLen(buf, view, s + 4, cNew - cur + 4, len);
          const l2 = matchLen(buf, view, s + 4, cOld - cur + 4, len);
          if (l2 > l1) candidate = cOld;
          break;
        }
        if (cOld > minOffset && cv === view.getUint32(cOld - cur, true)) {
          candidate = cOld;
          break;
        }
      }
      for (;;) {
        let t = candidate - cur;
        let l = matchLen(buf, view, s + 4, t + 4, len) + 4;
        const back = dst.extendAndEmit(buf, nextEmit, s, t, l);
        t += l;
        s += l;
        l += back;
        nextEmit = s;
        if (nextS >= s) s = nextS + 1;
        if (s >= sLimit) {
          if (t + 8 < len && t > 0) push(hash(t), cur + t);
          break outer;
        }
        for (let i = s - l + 2; i < s - 5; i += 6) push(hash(i), cur + i);
        push(hash(s - 2), cur + s - 2);
        push(hash(s - 1), cur + s - 1);
        const e = hash(s);
        const cNew = newest[e], cOld = older[e];
        push(e, cur + s);
        const minOffset = cur + s - (MAX_DISTANCE - 4);
        if (cNew > minOffset) {
          const cv = view.getUint32(s, true);
          if (cv === view.getUint32(cNew - cur, true)) {
            candidate = cNew;
            continue;
          }
          if (cOld > minOffset && cv === view.getUint32(cOld - cur, true)) {
            candidate = cOld;
            continue;
          }
        }
        s++;
        break;
      }
    }
    dst.remainder(buf, nextEmit, len);
  }
}
