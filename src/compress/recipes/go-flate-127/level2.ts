/**
 * Go 1.27's level 2 matcher, from its behaviour (fastEncL2): hash5-matcher.ts's search over a table of 2^17
 * positions; after a match, positions inside it go into the table (three of every seven from 2 past where it was
 * emitted; the third hashed with its fifth byte read as zero, as Go's shifted load gives it), then the two positions
 * before its end.
 */
import { Hash5Matcher } from './hash5-matcher.js';
import { hash5, hash5Of } from './history.js';

export class Level2 extends Hash5Matcher {
  constructor() {
    super(17, false);
  }

  protected indexMatch(buf: Uint8Array, view: DataView, cur: number, s: number, l: number): void {
    const table = this.table, shift = this.shift;
    for (let i = s - l + 2; i < s - 5; i += 7) {
      table[hash5(buf, view, i, shift)] = cur + i;
      table[hash5(buf, view, i + 2, shift)] = cur + i + 2;
      // Go hashes i + 4 from an 8-byte load at i shifted down by 4 bytes: its fifth byte is a zero.
      table[hash5Of(buf[i + 4], view.getUint32(i + 5, true) & 0xffffff, shift)] = cur + i + 4;
    }
    table[hash5(buf, view, s - 2, shift)] = cur + s - 2;
    table[hash5(buf, view, s - 1, shift)] = cur + s - 1;
  }
}
