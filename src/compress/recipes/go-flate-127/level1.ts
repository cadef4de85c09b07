/**
 * Go 1.27's level 1 (BestSpeed) matcher, from its behaviour (fastEncL1): hash5-matcher.ts's search over a table of
 * 2^15 positions; a match at the second position of a step stores that position + 1 under its hash, and after a
 * match only the position 2 before its end goes into the table.
 */
import { Hash5Matcher } from './hash5-matcher.js';
import { TABLE_BITS, hash5 } from './history.js';

export class Level1 extends Hash5Matcher {
  constructor() {
    super(TABLE_BITS, true);
  }

  protected indexMatch(buf: Uint8Array, view: DataView, cur: number, s: number): void {
    this.table[hash5(buf, view, s - 2, this.shift)] = cur + s - 2;
  }
}
