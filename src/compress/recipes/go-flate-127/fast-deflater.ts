/**
 * Go 1.27's compressor around its level 1-6 matchers (deflateFast): the input goes in blocks of exactly 65535 bytes
 * (the last one shorter), whatever the write sizes, because a block is compressed only when the window is full and
 * more input comes, or at the end. Per block: no matches -> stored; matches removing less than 1/16 of the bytes ->
 * literals only; else the tokens. The last block is written with `sync` (its block is ended); a last block under
 * 128 bytes is not matched at all: stored when 32 bytes or fewer, else literals only.
 */
import { BlockWriter127 } from './block-writer.js';
import type { FastMatcher } from './fast-matcher.js';
import { BLOCK } from './history.js';
import { Level1 } from './level1.js';
import { Level2 } from './level2.js';
import { Level3 } from './level3.js';
import { Level4 } from './level4.js';
import { Level5 } from './level5.js';
import { Level6 } from './level6.js';
import { Tokens } from './tokens.js';

export class FastDeflater127 {
  /** Bytes of the block being gathered; they lie at the end of the matcher's history (History.commit). */
  private windowEnd = 0;
  private readonly tokens = new Tokens();
  private readonly matcher: FastMatcher;

  constructor(level: number, private readonly w: BlockWriter127) {
    const matchers = [Level1, Level2, Level3, Level4, Level5, Level6];
    const M = matchers[level - 1];
    if (!M) throw new RangeError(`go-flate 1.27 fast level ${level}: want 1 to 6`);
    this.matcher = new M();
  }

  write(data: Uint8Array): void {
    const h = this.matcher.hist;
    let at = 0;
    while (at < data.length) {
      if (this.windowEnd === BLOCK) this.block(false);
      const n = Math.min(data.length - at, BLOCK - this.windowEnd);
      h.buf.set(data.subarray(at, at + n), h.len + this.windowEnd);
      this.windowEnd += n;
      at += n;
    }
  }

  end(): void {
    this.block(true);
    this.w.finish();
  }

  private block(sync: boolean): void {
    const n = this.windowEnd;
    const h = this.matcher.hist;
    const buf = h.buf;
    const tokens = this.tokens;
    this.windowEnd = 0;
    if (n < BLOCK && n < 128) {
      // Only the last block can be this short; it is not taken into the history (nothing follows it).
      if (n === 0) return;
      const at = h.len;
      if (n <= 32) this.w.stored(buf, at, at + n, false);
      else this.w.huffmanOnly(buf, at, at + n, true);
      tokens.reset();
      return;
    }
    this.matcher.encode(tokens, n);
    const at = h.len - n;
    if (tokens.n === 0) this.w.stored(buf, at, at + n, false);
    else if (tokens.n > n - (n >> 4)) this.w.huffmanOnly(buf, at, at + n, sync);
    else this.w.dynamic(tokens, buf, at, at + n, sync);
    tokens.reset();
  }
}
