/**
 * Writes a stream of chunks into a file with backpressure. One error listener per wait, removed once drained (a long
 * stream of small chunks, a download, must not pile them up); a failed write (a full disk) rejects at once instead of
 * waiting for a drain that never comes, and the stream is destroyed so the file handle goes.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

export async function writeChunks(path: string, body: AsyncIterable<Buffer>, opts: { flags?: string; onChunk?: (c: Buffer) => void } = {}): Promise<number> {
  const w = createWriteStream(path, { flags: opts.flags ?? 'w', highWaterMark: 1 << 20 });
  // A write that fails while the loop waits for the next chunk (not for a drain) is kept here and thrown at the next
  // turn: with no listener then, the stream's 'error' would end the process with a trace (a full temporary folder
  // while apply spooled a delta, seen once under load).
  let failed: unknown;
  w.on('error', (e) => { failed ??= e; });
  let size = 0;
  try {
    for await (const c of body) {
      if (failed) throw failed;
      size += c.length;
      opts.onChunk?.(c);
      if (!w.write(c)) {
        await new Promise<void>((r, j) => {
          w.once('error', j);
          w.once('drain', () => { w.off('error', j); r(); });
        });
      }
    }
    if (failed) throw failed;
    w.end();
    await finished(w);
    return size;
  } catch (e) {
    // A write still in flight reports ERR_STREAM_DESTROYED after this: nobody wants it any more.
    w.on('error', () => undefined);
    w.destroy();
    throw e;
  }
}
