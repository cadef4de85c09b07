/**
 * Go 1.27's level 6 (DefaultCompression) matcher, from its behaviour (fastEncL6): long-pairs-matcher.ts's search
 * with the repeat check (a short match is weighed against the last match's distance one byte on, a longer repeat
 * taken at once), the longest of the next position's long candidates winning, the step growing by one every 128
 * bytes since the last match. Every match looks at its end, through both long entries. After a match every
 * position inside it goes into the long table and every second into the short one; after the last match of a
 * block, every second position to the end goes into both.
 */
import { hash4, hash7 } from './history.js';
import { LongPairsMatcher } from './long-pairs-matcher.js';

export class Level6 extends LongPairsMatcher {
  constructor() {
    super({ skipLog: 7, repeat: true, nextFirstWins: false, endBelow: Infinity, endBoth: true });
  }

  /** From where the search had reached to the position before the match's end. */
  protected indexMatch(buf: Uint8Array, view: DataView, cur: number, s: number, _l: number, nextS: number): void {
    const table = this.table, long = this.long;
    for (let i = nextS + 1; i < s - 1; i += 2) {
      const e1 = hash7(buf, view, i);
      const e2 = hash7(buf, view, i + 1);
      table[hash4(view, i)] = i + cur;
      long[(e1 << 1) + 1] = long[e1 << 1];
      long[e1 << 1] = i + cur;
      long[(e2 << 1) + 1] = long[e2 << 1];
      long[e2 << 1] = i + 1 + cur;
    }
  }

  protected indexTail(buf: Uint8Array, view: DataView, cur: number, nextS: number, len: number): void {
    const table = this.table, long = this.long;
    for (let i = nextS + 1; i < len - 8; i += 2) {
      table[hash4(view, i)] = i + cur;
      const e = hash7(buf, view, i);
      long[(e << 1) + 1] = long[e << 1];
      long[e << 1] = i + cur;
    }
  }
}
