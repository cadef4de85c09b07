/**
 * Go's compress/flate compressor for levels 2-9 (deflate.go, output identical from Go 1.7 to 1.26), reproduced from
 * its behaviour:
 * - A 64 KiB window; when the position reaches 64 KiB - 262 as more input is copied in, the upper half slides down
 *   (and a block still open from the lower half can no longer be stored).
 * - Hash chains over 4-byte hashes: ((b0<<24 | b1<<16 | b2<<8 | b3) * 0x1e35a7bd) >> 15, 2^17 heads, 32 Ki links;
 *   a chain is followed from its head for at most `chain` entries no older than 32 KiB.
 * - Matches are at least 4 bytes; a 4-byte match only within 4096 bytes. The search stops at `nice` bytes.
 * - Levels 2-3 take a match at once and skip hashing inside matches longer than 5 (level 2) or 6 (level 3) bytes;
 *   levels 4-9 defer one byte (lazy matching) while the pending match is shorter than `lazy`, and hash every byte.
 * - A block ends after 16384 tokens, and at the end of the stream.
 */
import { BlockWriter } from './block-writer.js';
import { countMatch, matchToken } from './codes.js';

interface LevelParams { lazy: number; nice: number; chain: number; fastSkip: number }
const NEVER = 0x7fffffff;
/** Go's table (good, lazy, nice, chain, fastSkipHashing); `good` never takes effect in Go's search, so it is left out. */
const LEVELS: Record<number, LevelParams> = {
  2: { lazy: 0, nice: 16, chain: 8, fastSkip: 5 },
  3: { lazy: 0, nice: 32, chain: 32, fastSkip: 6 },
  4: { lazy: 4, nice: 16, chain: 16, fastSkip: NEVER },
  5: { lazy: 16, nice: 32, chain: 32, fastSkip: NEVER },
  6: { lazy: 16, nice: 128, chain: 128, fastSkip: NEVER },
  7: { lazy: 32, nice: 128, chain: 256, fastSkip: NEVER },
  8: { lazy: 128, nice: 258, chain: 1024, fastSkip: NEVER },
  9: { lazy: 258, nice: 258, chain: 4096, fastSkip: NEVER },
};

const WINDOW = 1 << 15;
const WINDOW_MASK = WINDOW - 1;
const BUFFER = 2 * WINDOW;
const MIN_MATCH = 4;
const MAX_MATCH = 258;
const LOOKAHEAD = MIN_MATCH + MAX_MATCH;
const HASH_BITS = 17;
const HASH_SHIFT = 32 - HASH_BITS;
const HASH_MUL = 0x1e35a7bd;
const MAX_BLOCK_TOKENS = 1 << 14;
/** Chain entries hold position + hashOffset; past this offset they are rebased, as Go does. */
const MAX_HASH_OFFSET = 1 << 24;
const NO_BLOCK = 0x7fffffff;

export class LazyDeflater {
  private readonly p: LevelParams;
  private readonly fast: boolean;
  private readonly window = new Uint8Array(BUFFER);
  /** The window read four bytes at a time: Go's big-endian hash input, and to compare matches faster. */
  private readonly words = new DataView(this.window.buffer);
  private windowEnd = 0;
  private index = 0;
  private blockStart = 0;
  private byteAvailable = false;
  private readonly head = new Int32Array(1 << HASH_BITS);
  private readonly prev = new Int32Array(WINDOW);
  private hashOffset = 1;
  private chainHead = -1;
  private readonly tokens = new Int32Array(MAX_BLOCK_TOKENS + 1);
  private ntokens = 0;
  private length = MIN_MATCH - 1;
  private offset = 0;
  private matchOffset = 0;

  constructor(level: number, private readonly w: BlockWriter, private readonly goWrites = false) {
    const p = LEVELS[level];
    if (!p) throw new RangeError(`go-flate: the lazy compressor has no level ${level}`);
    this.p = p;
    this.fast = p.fastSkip !== NEVER;
    w.startBlock();
  }

  /**
   * Takes input. By default the window is filled before it is compressed, which gives the bytes of Go writes of 32 KiB
   * or any multiple (io.Copy's); with goWrites each call is one Go Write, for writers that make smaller ones.
   */
  write(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.goWrites || this.windowEnd === BUFFER) this.deflate(false);
      at += this.fill(data, at);
    }
  }

  end(): void {
    this.deflate(true);
    this.w.finish();
  }

  private fill(data: Uint8Array, at: number): number {
    if (this.index >= BUFFER - LOOKAHEAD) {
      this.window.copyWithin(0, WINDOW, BUFFER);
      this.index -= WINDOW;
      this.windowEnd -= WINDOW;
      this.blockStart = this.blockStart >= WINDOW ? this.blockStart - WINDOW : NO_BLOCK;
      this.hashOffset += WINDOW;
      if (this.hashOffset > MAX_HASH_OFFSET) this.rebase();
    }
    const n = Math.min(data.length - at, BUFFER - this.windowEnd);
    this.window.set(data.subarray(at, at + n), this.windowEnd);
    this.windowEnd += n;
    return n;
  }

  /** Go lowers every chain entry by hashOffset - 1 here; entries that fall below 1 become 0 (empty). */
  private rebase(): void {
    const delta = this.hashOffset - 1;
    this.hashOffset = 1;
    this.chainHead -= delta;
    for (const t of [this.prev, this.head]) {
      for (let i = 0; i < t.length; i++) t[i] = t[i] > delta ? t[i] - delta : 0;
    }
  }

  private flushBlock(end: number): void {
    if (end > 0) {
      const hasInput = this.blockStart <= end;
      this.w.tokens(this.tokens, this.ntokens, hasInput ? this.window : null, hasInput ? this.blockStart : 0, end);
      this.blockStart = end;
    }
    this.ntokens = 0;
    this.w.startBlock();
  }

  private deflate(sync: boolean): void {
    if (this.windowEnd - this.index < LOOKAHEAD && !sync) return;
    const win = this.window;
    const words = this.words;
    const head = this.head;
    const prev = this.prev;
    const tokens = this.tokens;
    const lf = this.w.literalFreq;
    const df = this.w.distanceFreq;
    const fast = this.fast;
    const { lazy, fastSkip } = this.p;
    const windowEnd = this.windowEnd;
    const maxInsert = windowEnd - (MIN_MATCH - 1);
    // The compressor's state in locals for the loop, written back when it ends and around a block flush.
    let index = this.index;
    const hashOffset = this.hashOffset;
    let chainHead = this.chainHead;
    let length = this.length;
    let offset = this.offset;
    let byteAvailable = this.byteAvailable;
    let nt = this.ntokens;
    for (;;) {
      const lookahead = windowEnd - index;
      if (lookahead < LOOKAHEAD) {
        if (!sync) break;
        if (lookahead === 0) {
          if (byteAvailable) {
            lf[(tokens[nt++] = win[index - 1])]++;
            byteAvailable = false;
          }
          if (nt > 0) {
            this.ntokens = nt;
            this.flushBlock(index);
            nt = 0;
          }
          break;
        }
      }
      if (index < maxInsert) {
        const h = Math.imul(words.getInt32(index), HASH_MUL) >>> HASH_SHIFT;
        chainHead = head[h];
        prev[index & WINDOW_MASK] = chainHead;
        head[h] = index + hashOffset;
      }
      const prevLength = length;
      const prevOffset = offset;
      length = MIN_MATCH - 1;
      offset = 0;
      const minIndex = index - WINDOW > 0 ? index - WINDOW : 0;
      const candidate = chainHead - hashOffset;
      if (candidate >= minIndex && (fast ? lookahead > MIN_MATCH - 1 : lookahead > prevLength && prevLength < lazy)) {
        const found = this.findMatch(index, candidate, lookahead);
        if (found > 0) {
          length = found;
          offset = this.matchOffset;
        }
      }
      if (fast ? length >= MIN_MATCH : prevLength >= MIN_MATCH && length <= prevLength) {
        // Emit the match (the one just found at levels 2-3; the pending one, not bettered, at levels 4-9).
        const mlen = fast ? length : prevLength;
        const mdist = fast ? offset : prevOffset;
        tokens[nt++] = matchToken(mlen, mdist);
        countMatch(lf, df, mlen, mdist);
        if (length <= fastSkip) {
          const newIndex = fast ? index + length : index + prevLength - 1;
          for (index++; index < newIndex; index++) {
            if (index < maxInsert) {
              const h = Math.imul(words.getInt32(index), HASH_MUL) >>> HASH_SHIFT;
              prev[index & WINDOW_MASK] = head[h];
              head[h] = index + hashOffset;
            }
          }
          if (!fast) {
            byteAvailable = false;
            length = MIN_MATCH - 1;
          }
        } else {
          index += length;
        }
        if (nt === MAX_BLOCK_TOKENS) {
          this.ntokens = nt;
          this.flushBlock(index);
          nt = 0;
        }
      } else {
        if (fast || byteAvailable) {
          const at = fast ? index : index - 1;
          lf[(tokens[nt++] = win[at])]++;
          if (nt === MAX_BLOCK_TOKENS) {
            this.ntokens = nt;
            this.flushBlock(at + 1);
            nt = 0;
          }
        }
        index++;
        if (!fast) byteAvailable = true;
      }
    }
    this.index = index;
    this.chainHead = chainHead;
    this.length = length;
    this.offset = offset;
    this.byteAvailable = byteAvailable;
    this.ntokens = nt;
  }

  /** The longest match at `pos` along the chain from `start`; returns its length (0: none) and sets matchOffset. */
  private findMatch(pos: number, start: number, lookahead: number): number {
    const win = this.window;
    const prev = this.prev;
    const hashOffset = this.hashOffset;
    const maxLook = lookahead < MAX_MATCH ? lookahead : MAX_MATCH;
    const nice = this.p.nice < maxLook ? this.p.nice : maxLook;
    let tries = this.p.chain;
    let length = MIN_MATCH - 1;
    let found = 0;
    let wEnd = win[pos + length];
    const minIndex = pos - WINDOW;
    for (let i = start; tries > 0; tries--) {
      if (win[i + length] === wEnd) {
        let n = 0;
        const words = this.words;
        while (n + 4 <= maxLook && words.getInt32(i + n) === words.getInt32(pos + n)) n += 4;
        while (n < maxLook && win[i + n] === win[pos + n]) n++;
        if (n > length && (n > MIN_MATCH || pos - i <= 4096)) {
          length = n;
          this.matchOffset = pos - i;
          found = n;
          if (n >= nice) break;
          wEnd = win[pos + n];
        }
      }
      if (i === minIndex) break;
      i = prev[i & WINDOW_MASK] - hashOffset;
      if (i < minIndex || i < 0) break;
    }
    return found;
  }
}
