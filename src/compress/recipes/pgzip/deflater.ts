/**
 * klauspost/compress flate's compressor at level 5 (the level pgzip's DefaultCompression maps to), as pgzip drives
 * it: the input in windows of exactly 65535 bytes (whatever the write sizes), each matched by Level5Matcher and
 * written by the block writer as stored (no match at all), literals only (more tokens than 15/16 of its bytes) or
 * with matches. A flush codes the window as it stands: under 128 bytes without matching (stored up to 32 bytes,
 * else literals only) and forgetting the history; then it ends the open table and writes an empty stored block.
 * A dictionary (the previous 16 KiB pgzip gives each block) is matched as if it were input, its tokens dropped, so
 * the tables and the history know it.
 */
import { KlauspostBlockWriter } from './block-writer.js';
import { Level5Matcher } from './level5-matcher.js';
import { MAX_BLOCK, Tokens } from './tokens.js';

const MAX_DICT = 1 << 15;

export class Level5Deflater {
  private readonly window = new Uint8Array(MAX_BLOCK);
  private windowEnd = 0;
  private readonly matcher = new Level5Matcher();
  private readonly tokens = new Tokens();

  constructor(private readonly w: KlauspostBlockWriter) {}

  /** Starts a new deflate stream whose matches may reach into `dict` (klauspost's ResetDict). */
  resetDict(dict: Uint8Array | null): void {
    this.w.reset();
    this.matcher.reset();
    this.windowEnd = 0;
    this.tokens.reset();
    if (dict && dict.length > 0) {
      this.matcher.encode(this.tokens, dict.length > MAX_DICT ? dict.subarray(dict.length - MAX_DICT) : dict);
      this.tokens.reset();
    }
  }

  write(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.windowEnd === MAX_BLOCK) this.block(false);
      // Whole windows with more bytes after them are coded from `data` itself, not copied into the window first
      // (the matcher keeps its own copy as history): what the window would hold and when it would be coded.
      while (this.windowEnd === 0 && data.length - at > MAX_BLOCK) {
        this.code(data.subarray(at, at + MAX_BLOCK), false);
        at += MAX_BLOCK;
      }
      const n = Math.min(data.length - at, MAX_BLOCK - this.windowEnd);
      this.window.set(data.subarray(at, at + n), this.windowEnd);
      this.windowEnd += n;
      at += n;
    }
  }

  /** klauspost's Flush (a sync flush): the window coded, the open table ended, an empty stored block. */
  flush(): void {
    this.block(true);
    this.w.syncMarker();
  }

  /** klauspost's Close after a flush: the final block. */
  close(): void {
    this.block(true);
    this.w.finish();
  }

  private block(sync: boolean): void {
    const n = this.windowEnd;
    const t = this.tokens;
    if (n < MAX_BLOCK) {
      if (!sync) return;
      if (n < 128) {
        if (n === 0) return;
        if (n <= 32) this.w.stored(this.window, 0, n);
        else this.w.huff(this.window, 0, n, true);
        t.reset();
        this.windowEnd = 0;
        this.matcher.reset();
        return;
      }
    }
    this.code(this.window.subarray(0, n), sync);
    this.windowEnd = 0;
  }

  /** A window of bytes (at least 128 unless it is the whole of a full window) matched and written as a block. */
  private code(src: Uint8Array, sync: boolean): void {
    const t = this.tokens;
    const n = src.length;
    this.matcher.encode(t, src);
    if (t.n === 0) this.w.stored(src, 0, n);
    else if (t.n > n - (n >> 4)) this.w.huff(src, 0, n, sync);
    else this.w.dynamic(t, src, 0, n, sync);
    t.reset();
  }
}
