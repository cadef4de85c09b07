/**
 * GNU gzip 1.12's match finder (its deflate.c), fed the way gzip reads a regular file: every read returns all it
 * asked for until the end of the input. What shapes the bytes:
 * - a 64 KiB window read 64 KiB at a time; when fewer than 262 bytes are ahead and the position is past
 *   32 KiB + 32506, the upper half slides down. Matches reach at most 32506 back (MAX_DIST), never position 0 of
 *   the window, and none start past 65274 (where gzip stops looking once the input has ended without a slide).
 *   The bytes past the end of the input stay what the window held before (two are zeroed at the end), and gzip
 *   compares into them before cutting a match to the input, so they are kept exactly as gzip keeps them;
 * - hash chains over 3-byte hashes (15 bits, shift 5), heads and links 16-bit window positions, 0 for none;
 * - levels 1-3: greedy matching, inserting the strings inside a match only up to the level's limit (4, 5, 6);
 *   levels 4-9: lazy matching with gzip's table (good, lazy, nice, chain) = (4,4,16,16), (8,16,32,32),
 *   (8,16,128,128), (8,32,128,256), (32,128,258,1024), (32,258,258,4096); a 3-byte match more than 4096 back is
 *   dropped.
 * The encoder is synchronous and streaming: bytes written wait in a queue until the window wants them, so memory
 * is the window, the tables, one write while it is taken in and at most 64 KiB of input waiting after it.
 */
import type { GnuBlockWriter } from './block-writer.js';
import type { DeflateFlavor } from './flavor.js';

const WSIZE = 0x8000;
const WMASK = WSIZE - 1;
const WINDOW_SIZE = 2 * WSIZE;
const HASH_BITS = 15;
const HASH_SIZE = 1 << HASH_BITS;
const HASH_MASK = HASH_SIZE - 1;
const H_SHIFT = 5;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST = WSIZE - MIN_LOOKAHEAD;
const TOO_FAR = 4096;

/** good_length, max_lazy (max_insert_length at 1-3), nice_length, max_chain; by level. */
const CONFIG: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 0, 0],
  [4, 4, 8, 4], [4, 5, 16, 8], [4, 6, 32, 32],
  [4, 4, 16, 16], [8, 16, 32, 32], [8, 16, 128, 128], [8, 32, 128, 256], [32, 128, 258, 1024], [32, 258, 258, 4096],
];

export class GnuDeflater {
  /**
   * gzip's window is 64 KiB; at the very end of an input that never slid, it inserts strings (and zeroes two bytes)
   * up to two bytes past it, where no match can start any more: two spare bytes take those writes.
   */
  private readonly window = new Uint8Array(WINDOW_SIZE + 2);
  private readonly head = new Uint16Array(HASH_SIZE);
  private readonly prev = new Uint16Array(WSIZE);
  private readonly good: number;
  private readonly lazy: number;
  private readonly nice: number;
  private readonly chain: number;
  private readonly fast: boolean;

  private strstart = 0;
  private blockStart = 0;
  private lookahead = 0;
  private eofile = false;
  private insH = 0;
  private matchStart = 0;
  private prevLength = MIN_MATCH - 1;
  private matchLength: number;
  private matchAvailable = false;
  private state: 'wait' | 'init' | 'run' | 'done' = 'wait';

  private readonly queue: Uint8Array[] = [];
  private queueOffset = 0;
  private queued = 0;

  constructor(level: number, private readonly blocks: GnuBlockWriter, private readonly flavor: DeflateFlavor) {
    [this.good, this.lazy, this.nice, this.chain] = CONFIG[level];
    this.fast = level <= 3;
    this.matchLength = this.fast ? 0 : MIN_MATCH - 1;
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.queue.push(data);
    this.queued += data.length;
    this.run(false);
    // What the window has not taken yet is kept as a copy, so a caller may reuse its buffer after write returns.
    const last = this.queue.length - 1;
    if (last >= 0 && this.queue[last] === data) {
      const from = last === 0 ? this.queueOffset : 0;
      this.queue[last] = data.slice(from);
      if (last === 0) this.queueOffset = 0;
    }
  }

  end(): void {
    this.run(true);
  }

  /** Copies up to `n` queued bytes into the window at `at` (a read(2) of a regular file); returns how many. */
  private read(at: number, n: number): number {
    let done = 0;
    while (done < n && this.queue.length > 0) {
      const chunk = this.queue[0];
      const take = Math.min(n - done, chunk.length - this.queueOffset);
      this.window.set(chunk.subarray(this.queueOffset, this.queueOffset + take), at + done);
      done += take;
      this.queueOffset += take;
      if (this.queueOffset === chunk.length) {
        this.queue.shift();
        this.queueOffset = 0;
      }
    }
    this.queued -= done;
    return done;
  }

  /**
   * gzip's fill_window: slides when past the upper half, then reads what room is left. Returns false when that read
   * must wait for more input (it would return less than asked before the end of the input).
   */
  private fill(final: boolean): boolean {
    let more = WINDOW_SIZE - this.lookahead - this.strstart;
    if (this.slide()) more += WSIZE;
    if (this.queued < more && !final) return false;
    const at = this.strstart + this.lookahead;
    const n = this.read(at, more);
    if (n === 0) {
      this.eofile = true;
      this.window[at] = 0;
      this.window[at + 1] = 0;
    } else {
      this.lookahead += n;
    }
    return true;
  }

  /** Moves the upper half of the window down once the position is past 32 KiB + MAX_DIST; says whether it did. */
  private slide(): boolean {
    if (this.strstart >= WSIZE + MAX_DIST) {
      this.window.copyWithin(0, WSIZE, WINDOW_SIZE);
      this.matchStart -= WSIZE;
      this.strstart -= WSIZE;
      this.blockStart -= WSIZE;
      const { head, prev } = this;
      for (let n = 0; n < HASH_SIZE; n++) {
        const m = head[n];
        head[n] = m >= WSIZE ? m - WSIZE : 0;
      }
      for (let n = 0; n < WSIZE; n++) {
        const m = prev[n];
        prev[n] = m >= WSIZE ? m - WSIZE : 0;
      }
      return true;
    }
    return false;
  }

  private run(final: boolean): void {
    if (this.state === 'wait') {
      // lm_init's first read asks for the whole window.
      if (!final && this.queued < WINDOW_SIZE) return;
      this.lookahead = this.read(0, WINDOW_SIZE);
      if (this.lookahead === 0) this.eofile = true;
      this.state = this.eofile ? 'run' : 'init';
    }
    if (this.state === 'init') {
      while (this.lookahead < MIN_LOOKAHEAD && !this.eofile) if (!this.fill(final)) return;
      this.insH = ((this.window[0] << H_SHIFT) ^ this.window[1]) & HASH_MASK;
      this.state = 'run';
    }
    if (this.state !== 'run') return;
    for (;;) {
      while (this.lookahead < MIN_LOOKAHEAD && !this.eofile) if (!this.fill(final)) return;
      if (this.lookahead === 0) break;
      if (this.eofile && this.lookahead < MIN_LOOKAHEAD && this.flavor.slidesAtEnd) this.slide();
      if (this.fast) this.stepFast();
      else this.stepLazy();
    }
    if (!this.fast && this.matchAvailable) this.tally(0, this.window[this.strstart - 1]);
    this.flushBlock(true);
    this.state = 'done';
  }

  /** INSERT_STRING: links position s into its hash chain and returns the chain's previous head. */
  private insert(s: number): number {
    const h = (this.insH = ((this.insH << H_SHIFT) ^ this.window[s + MIN_MATCH - 1]) & HASH_MASK);
    const head = this.head[h];
    this.prev[s & WMASK] = head;
    this.head[h] = s;
    return head;
  }

  private tally(dist: number, lc: number): boolean {
    return this.blocks.tally(dist, lc, this.strstart, this.blockStart);
  }

  private flushBlock(eof: boolean): void {
    this.blocks.flush(this.window, this.blockStart, this.strstart - this.blockStart, eof);
    this.blockStart = this.strstart;
  }

  /** One step of deflate_fast (levels 1-3). */
  private stepFast(): void {
    const hashHead = this.insert(this.strstart);
    if (hashHead !== 0 && this.strstart - hashHead <= MAX_DIST && this.strstart <= WINDOW_SIZE - MIN_LOOKAHEAD) {
      this.matchLength = this.longestMatch(hashHead);
      if (this.matchLength > this.lookahead) this.matchLength = this.lookahead;
    }
    let flush: boolean;
    if (this.matchLength >= MIN_MATCH) {
      flush = this.tally(this.strstart - this.matchStart, this.matchLength - MIN_MATCH);
      this.lookahead -= this.matchLength;
      if (this.matchLength <= this.lazy) {
        this.matchLength--;
        do {
          this.strstart++;
          this.insert(this.strstart);
        } while (--this.matchLength !== 0);
        this.strstart++;
      } else {
        this.strstart += this.matchLength;
        this.matchLength = 0;
        this.insH = ((this.window[this.strstart] << H_SHIFT) ^ this.window[this.strstart + 1]) & HASH_MASK;
      }
    } else {
      flush = this.tally(0, this.window[this.strstart]);
      this.lookahead--;
      this.strstart++;
    }
    if (flush) this.flushBlock(false);
  }

  /** One step of deflate's lazy evaluation (levels 4-9). */
  private stepLazy(): void {
    const hashHead = this.insert(this.strstart);
    this.prevLength = this.matchLength;
    const prevMatch = this.matchStart;
    this.matchLength = MIN_MATCH - 1;
    if (hashHead !== 0 && this.prevLength < this.lazy && this.strstart - hashHead <= MAX_DIST && this.strstart <= WINDOW_SIZE - MIN_LOOKAHEAD) {
      this.matchLength = this.longestMatch(hashHead);
      if (this.matchLength > this.lookahead) this.matchLength = this.lookahead;
      if (this.matchLength === MIN_MATCH && this.strstart - this.matchStart > TOO_FAR) this.matchLength--;
    }
    if (this.prevLength >= MIN_MATCH && this.matchLength <= this.prevLength) {
      const flush = this.tally(this.strstart - 1 - prevMatch, this.prevLength - MIN_MATCH);
      this.lookahead -= this.prevLength - 1;
      let n = this.prevLength - 2;
      do {
        this.strstart++;
        this.insert(this.strstart);
      } while (--n !== 0);
      this.matchAvailable = false;
      this.matchLength = MIN_MATCH - 1;
      this.strstart++;
      if (flush) this.flushBlock(false);
    } else if (this.matchAvailable) {
      if (this.tally(0, this.window[this.strstart - 1])) this.flushBlock(false);
      this.strstart++;
      this.lookahead--;
    } else {
      this.matchAvailable = true;
      this.strstart++;
      this.lookahead--;
    }
  }

  /**
   * The longest match for the string at strstart along the chain from `curMatch`, longer than prevLength (else
   * prevLength comes back and matchStart is left as it was). Stops at `nice` or after `chain` links (a quarter when
   * the previous match is already `good`). Bytes 0, 1 and the one at the current best length are checked first;
   * byte 2 is never compared (equal hashes and equal bytes 0 and 1 imply it); the rest up to 258.
   */
  private longestMatch(curMatch: number): number {
    const w = this.window;
    const scan = this.strstart;
    let chainLength = this.chain;
    let bestLen = this.prevLength;
    const limit = scan > MAX_DIST ? scan - MAX_DIST : 0;
    const strend = scan + MAX_MATCH;
    let scanEnd1 = w[scan + bestLen - 1];
    let scanEnd = w[scan + bestLen];
    const s0 = w[scan];
    const s1 = w[scan + 1];
    if (this.prevLength >= this.good) chainLength >>= 2;
    const prev = this.prev;
    const nice = this.flavor.niceCapped && this.nice > this.lookahead ? this.lookahead : this.nice;
    do {
      const m = curMatch;
      if (w[m + bestLen] !== scanEnd || w[m + bestLen - 1] !== scanEnd1 || w[m] !== s0 || w[m + 1] !== s1) continue;
      let s = scan + 3;
      let mm = m + 3;
      while (s < strend && w[s] === w[mm]) { s++; mm++; }
      const len = s - scan;
      if (len > bestLen) {
        this.matchStart = curMatch;
        bestLen = len;
        if (len >= nice) break;
        scanEnd1 = w[scan + bestLen - 1];
        scanEnd = w[scan + bestLen];
      }
    } while ((curMatch = prev[curMatch & WMASK]) > limit && --chainLength !== 0);
    return bestLen;
  }
}
