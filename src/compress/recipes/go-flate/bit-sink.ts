/**
 * The bit stream of a deflate encoder: codes packed least significant bit first (RFC 1951 3.1.1) into a byte buffer
 * that is handed to `emit` whenever it fills and whenever the encoder says so (`drain`). Only whole bytes leave; the
 * bits of a byte not yet complete wait in the accumulator, so the bytes emitted are the same whatever the buffer size.
 */
const CAPACITY = 1 << 17;
/** Room kept free at the end of the buffer so that `bits` needs one bounds check per two bytes it stores. */
const MARGIN = 8;
/**
 * Hot loops (a block's tokens) take the fields into locals, store at most 8 bytes per step, and drain when `pos`
 * passes SPILL_AT; they write the fields back before calling any method.
 */
export const SPILL_AT = CAPACITY - 64;

export class BitSink {
  readonly buf = new Uint8Array(CAPACITY);
  pos = 0;
  /** Pending bits, fewer than 16 between calls. */
  acc = 0;
  nbits = 0;

  constructor(private readonly emit: (bytes: Uint8Array) => void) {}

  /** Appends the low `n` bits of `value` (n <= 16; value has no bits above them). */
  bits(value: number, n: number): void {
    this.acc |= value << this.nbits;
    this.nbits += n;
    if (this.nbits >= 16) {
      const p = this.pos;
      this.buf[p] = this.acc;
      this.buf[p + 1] = this.acc >>> 8;
      this.acc >>>= 16;
      this.nbits -= 16;
      this.pos = p + 2;
      if (this.pos >= CAPACITY - MARGIN) this.drain();
    }
  }

  /** Pads with zero bits to a byte boundary (what a stored block header and the end of the stream need). */
  alignToByte(): void {
    while (this.nbits > 0) {
      this.buf[this.pos++] = this.acc;
      this.acc >>>= 8;
      this.nbits = this.nbits > 8 ? this.nbits - 8 : 0;
    }
    this.acc = 0;
    if (this.pos >= CAPACITY - MARGIN) this.drain();
  }

  /** Appends raw bytes; the stream must be at a byte boundary with no pending bits (after a stored block header). */
  bytes(src: Uint8Array, start: number, end: number): void {
    if (this.nbits !== 0) throw new Error('BitSink.bytes: stream not at a byte boundary');
    while (start < end) {
      const n = Math.min(end - start, CAPACITY - MARGIN - this.pos);
      this.buf.set(src.subarray(start, start + n), this.pos);
      this.pos += n;
      start += n;
      if (this.pos >= CAPACITY - MARGIN) this.drain();
    }
  }

  /** Hands the complete bytes buffered so far to `emit` (as a copy the receiver may keep). */
  drain(): void {
    if (this.pos === 0) return;
    this.emit(this.buf.slice(0, this.pos));
    this.pos = 0;
  }
}
