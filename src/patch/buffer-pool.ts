/**
 * Read buffers lent out and taken back, so the bytes apply copies from a base layer (most of a rebuilt layer) do not
 * cost a fresh 1 MiB allocation each: fresh buffers are fresh pages for the kernel to fault in and garbage for the
 * collector, about 0.3 s of a 260 MB layer.
 *
 * The ownership rule: a buffer `take()` lent belongs to whoever holds it until it is given back with `give()`, and it
 * is given back only by the one place that knows its last reader is done with it (run-ahead.ts, when the writer asks
 * for the next chunk and said it copies or has written what it keeps: `reuse` in hashingCopy). A buffer never given
 * back is simply garbage, as before: a writer that keeps chunks (a stream with its own queue) is never given reuse.
 */

const SLAB = 1 << 20;
/** Free slabs kept; more are allocated when all are lent, and dropped when given back past this count. */
const KEEP = 24;

export class BufferPool {
  private readonly free: Buffer[] = [];
  /** The slab behind each lent view (a short read is a view of a slab). */
  private readonly lent = new WeakMap<Buffer, Buffer>();

  /**
   * A buffer of `len` bytes to read into; its contents are whatever was there before. Lent from a slab only for at
   * least half a slab: a short chunk holding a whole slab would hold memory that run-ahead's byte bound does not count
   * (8 MB of 512-byte chunks would be 16 GB of slabs), so lent memory is at most twice the bytes queued.
   */
  take(len: number): Buffer {
    if (len > SLAB || len < SLAB / 2) return Buffer.allocUnsafe(len);
    const slab = this.free.pop() ?? Buffer.allocUnsafeSlow(SLAB);
    const b = len === SLAB ? slab : slab.subarray(0, len);
    this.lent.set(b, slab);
    return b;
  }

  /** Takes back a buffer `take()` lent (anything else is ignored); the caller must not touch it again. */
  give(b: Buffer): void {
    const slab = this.lent.get(b);
    if (!slab) return;
    this.lent.delete(b);
    if (this.free.length < KEEP) this.free.push(slab);
  }

  /** Whether `b` is a buffer lent by this pool and not yet given back. */
  owns(b: Buffer): boolean {
    return this.lent.has(b);
  }
}

/** The largest buffer a pool lends from its slabs. */
export const POOL_SLAB = SLAB;
