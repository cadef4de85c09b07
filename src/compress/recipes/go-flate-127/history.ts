/**
 * The input history of Go 1.27's level 1-6 encoders (fastGen): each 65535-byte block is appended to a buffer of
 * 5 blocks; when the next would not fit, the last 32 KiB are moved to the front. Table entries hold positions plus
 * `cur`, the position of the buffer's start in an ever-growing count, so that an entry from before a move still
 * points at the same bytes, and one from too long ago is too far back to match. The absolute positions in the buffer
 * matter to the bytes (a match cannot extend back past its start), so the buffer is managed exactly as Go does.
 * Before `cur` could overflow an int32, the tables are rebased (`rebase`).
 *
 * Hashes: Go's multiplicative hashes of the 4, 5 or 7 bytes at a position, the top bits of a 32-bit (4 bytes) or
 * 64-bit product (5, 7 bytes: the bytes shifted to the top of a uint64 times a 64-bit prime). The 64-bit products'
 * high words are computed exactly from 32-bit pieces.
 */
export const BLOCK = 65535;
export const MAX_DISTANCE = 1 << 15;
const ALLOC = BLOCK * 5;
const BUFFER_RESET = 2 ** 31 - ALLOC - BLOCK - 1;
export const TABLE_BITS = 15;
export const TABLE_SIZE = 1 << TABLE_BITS;
const SHIFT = 32 - TABLE_BITS;

export class History {
  /**
   * The history, then room for the block being gathered (FastDeflater127 writes its input there, at `len`, so that
   * taking a block in moves no bytes unless the history must move anyway), then 8 spare bytes so that word reads
   * near the end stay in the buffer (Go never reads past its data).
   */
  readonly buf = new Uint8Array(ALLOC + BLOCK + 8);
  readonly view = new DataView(this.buf.buffer);
  len = 0;
  cur = BLOCK;

  /** Takes in the n bytes gathered at `len` as the next block and returns the position it starts at. */
  commit(n: number): number {
    if (this.len + n > ALLOC) {
      // Go moves the last 32 KiB to the front before appending; the gathered block moves with them.
      const offset = this.len - MAX_DISTANCE;
      this.buf.copyWithin(0, offset, this.len + n);
      this.cur += offset;
      this.len = MAX_DISTANCE;
    }
    const s = this.len;
    this.len += n;
    return s;
  }

  /** True when `cur` must be brought down before the next block (Go's wraparound guard). */
  needsRebase(): boolean {
    return this.cur >= BUFFER_RESET;
  }

  /** Rebases table entries (positions + cur) so that cur becomes MAX_DISTANCE; entries too far back become 0. */
  rebase(tables: Int32Array[]): void {
    if (this.len === 0) {
      for (const t of tables) t.fill(0);
      this.cur = MAX_DISTANCE;
      return;
    }
    const minOff = this.cur + this.len - MAX_DISTANCE;
    const delta = this.cur - MAX_DISTANCE;
    for (const t of tables) {
      for (let i = 0; i < t.length; i++) t[i] = t[i] <= minOff ? 0 : t[i] - delta;
    }
    this.cur = MAX_DISTANCE;
  }
}

export function hash4(view: DataView, p: number): number {
  return Math.imul(view.getUint32(p, true), 0x9e3779b1 | 0) >>> SHIFT;
}

/** The 5 bytes at p, shifted up by 24 bits, times 889523592379 (0xcf_1bbcdcbb); the top 32 - shift bits. */
export function hash5(buf: Uint8Array, view: DataView, p: number, shift = SHIFT): number {
  return hash5Of(buf[p], view.getUint32(p + 1, true), shift);
}

/** hash5 of the 5 bytes b0, then the 4 bytes of `rest` (little-endian), which a caller may give with zeros at the top. */
export function hash5Of(b0: number, rest: number, shift: number): number {
  return (Math.imul(rest, 0x1bbcdcbb) + HASH5_LOW[b0]) >>> shift;
}

/** The part of hash5's high word that comes from the lowest byte alone (b0 << 24 times the prime). */
const HASH5_LOW = new Float64Array(256);
for (let b0 = 0; b0 < 256; b0++) HASH5_LOW[b0] = ((b0 * 0xcf) & 0xff) * 0x1000000 + Math.floor((b0 * 0x1bbcdcbb) / 256);

/** The 7 bytes at p, shifted up by 8 bits, times 58295818150454627 (0xcf1bbc_dcbfa563); the top 15 bits. */
export function hash7(buf: Uint8Array, view: DataView, p: number): number {
  const w0 = view.getUint32(p, true);
  const low = w0 & 0xffffff;
  // The high word of (low << 8) * 0xdcbfa563 is floor(low * 0xdcbfa563 / 2^24): with the prime split as
  // 0xdc * 2^24 + 0xbfa563, low * 0xdc + floor(low * 0xbfa563 / 2^24), both products exact in a double.
  const carry = low * 0xdc + Math.floor(low * 0xbfa563 * (1 / 16777216));
  const hi = Math.imul(view.getUint32(p + 3, true), 0xdcbfa563 | 0) + Math.imul(w0 << 8, 0x00cf1bbc) + carry;
  return hi >>> SHIFT;
}

/**
 * Go's wraparound guard for a table of (newest, older) position pairs, kept side by side as Go's struct keeps them
 * (one cache line for both): an older position is dropped with a dropped newer one (History.rebase does the rest).
 */
export function dropPairs(h: History, pairs: Int32Array): void {
  if (h.len === 0) return;
  const minOff = h.cur + h.len - MAX_DISTANCE;
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] <= minOff) pairs[i + 1] = 0;
}

/**
 * Length of the common prefix of buf[s, end) and buf[t, ...), t < s. Compared a little-endian 32-bit word at a
 * time; at the first differing word the equal low bytes are counted from the XOR's trailing zero bits (x & -x keeps
 * the lowest set bit, Math.clz32 says where it is), so only the last 1-3 bytes before `end` go byte by byte.
 */
export function matchLen(buf: Uint8Array, view: DataView, s: number, t: number, end: number): number {
  let n = 0;
  const last = end - s - 4;
  while (n <= last) {
    const x = view.getUint32(s + n, true) ^ view.getUint32(t + n, true);
    if (x !== 0) return n + ((31 - Math.clz32(x & -x)) >> 3);
    n += 4;
  }
  while (s + n < end && buf[s + n] === buf[t + n]) n++;
  return n;
}
