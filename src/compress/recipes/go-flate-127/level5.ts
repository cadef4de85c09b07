/**
 * Go 1.27's level 5 matcher, from its behaviour (fastEncL5): long-pairs-matcher.ts's search without level 6's
 * repeat check, the step growing every 64 bytes; the first longer match of the next position's long candidates
 * wins. Only a match under 30 bytes looks at its end, through the newest long entry. After a match, positions
 * inside it go in sparsely (from one past where it was emitted: long and short, long, short, then every third long
 * and the one after it short), then the position before its end; after a block's last match, nothing.
 */
import { hash4, hash7 } from './history.js';
import { LongPairsMatcher } from './long-pairs-matcher.js';

export class Level5 extends LongPairsMatcher {
  constructor() {
    super({ skipLog: 6, repeat: false, nextFirstWins: true, endBelow: 30, endBoth: false });
  }

  protected indexMatch(buf: Uint8Array, view: DataView, cur: number, s: number, l: number): void {
    const table = this.table, long = this.long;
    const push = (e: number, pos: number) => {
      long[(e << 1) + 1] = long[e << 1];
      long[e << 1] = pos;
    };
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

  protected indexTail(): void {}
}
