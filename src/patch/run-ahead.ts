/**
 * The rebuilt layer's chunks for the writer, in about 1 MiB pieces, decoded ahead of it. Apply's decoder spends much
 * of its time waiting on reads of the base (thread-pool round trips), and the writer on its writes: pulled one chunk
 * at a time, each waited for the other. Here the decoder runs on while the writer's last chunk is in flight, up to a
 * bounded number of bytes queued (memory stays bounded whatever the layer), and small pieces (headers, small files)
 * are gathered into one chunk while a big one (a file's data read from the base) passes on without a copy. A piece
 * made on another thread (a gzip file compressed again) takes its place in the queue while it is made.
 */
import type { Deferred } from './decode-layer.js';
import { POOL_SLAB, type BufferPool } from './buffer-pool.js';

/** Bytes the decoder may run ahead of the writer. */
const AHEAD = 8 << 20;
/** Pieces are gathered to about this size; one at least this big goes on as it is. */
const CHUNK = 1 << 20;
/** A piece this big is not copied into a gathered chunk: the gathered bytes go first, then it. */
const PASS = 64 << 10;

/**
 * `input` in chunks of about 1 MiB (pieces of at least 64 KiB go as they are), unchanged bytes, same order; a piece
 * still coming goes on as it is, after the bytes gathered before it. With `pool`, the gathered chunks are its lent
 * buffers, and each piece that is one goes back to it once copied (buffer-pool.ts).
 */
export async function* gathered<T extends Deferred = never>(input: AsyncIterable<Buffer | T>, pool?: BufferPool): AsyncGenerator<Buffer | T> {
  let parts: Buffer[] = [];
  let n = 0;
  const joined = () => {
    const b = pool ? pool.take(n) : Buffer.allocUnsafe(n);
    let at = 0;
    for (const p of parts) {
      at += p.copy(b, at);
      pool?.give(p);
    }
    parts = [];
    n = 0;
    return b;
  };
  for await (const c of input) {
    if (!(c instanceof Buffer) || c.length >= PASS) {
      if (n) yield joined();
      yield c;
      continue;
    }
    // A gathered chunk fits a pool's buffer: what would pass it goes into the next one.
    if (n + c.length > POOL_SLAB) yield joined();
    parts.push(c);
    n += c.length;
    if (n >= CHUNK) yield joined();
  }
  if (n) yield joined();
}

/**
 * Yields what `input` yields, pulling from it ahead of the consumer until `limit` bytes wait. An error of `input`
 * reaches the consumer after the chunks before it; a consumer that stops early stops `input` (its finally blocks run).
 * `release`, for a consumer that is done with a chunk when it asks for the next one (it wrote it, or copied what it
 * keeps), hears each chunk at that moment: the one point where a lent buffer is known free (buffer-pool.ts).
 */
export async function* runAhead(input: AsyncIterable<Buffer | Deferred>, limit = AHEAD, release?: (b: Buffer) => void): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  // A piece still coming counts its length like any other, and is waited for in its turn.
  const queue: (Buffer | Deferred)[] = [];
  let queued = 0;
  let done = false;
  let failed: { e: unknown } | undefined;
  let stopped = false;
  // Who waits: the consumer for a chunk, the producer for room.
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (w: (() => void) | undefined) => w?.();
  const producer = (async () => {
    try {
      while (!stopped) {
        if (queued >= limit) {
          await new Promise<void>((r) => { wakeProducer = r; });
          wakeProducer = undefined;
          continue;
        }
        const r = await it.next();
        if (r.done) break;
        queue.push(r.value);
        queued += r.value.length;
        wake(wakeConsumer);
      }
    } catch (e) {
      failed = { e };
    } finally {
      done = true;
      wake(wakeConsumer);
    }
  })();
  try {
    for (;;) {
      if (queue.length) {
        const c = queue.shift()!;
        queued -= c.length;
        wake(wakeProducer);
        const b = Buffer.isBuffer(c) ? c : await (c as Deferred).bytes;
        yield b;
        release?.(b);
        continue;
      }
      if (done) {
        if (failed) throw failed.e;
        return;
      }
      await new Promise<void>((r) => { wakeConsumer = r; });
      wakeConsumer = undefined;
    }
  } finally {
    if (!done) {
      // Stopped early (the writer failed, or a reader went away): the producer ends at its next turn, and the
      // decoder's own finally blocks (closing the patch source) run before this returns.
      stopped = true;
      wake(wakeProducer);
      await producer;
      await it.return?.();
    } else await producer;
  }
}
