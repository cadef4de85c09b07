/**
 * Reads a region of a file (a layer inside an archive, a blob in a layout) as a stream of chunks, failing if the
 * file ends early.
 *
 * Measured on the reference machine (2.28 GB archive copied into a tar output, page cache warm): 1 MiB chunks from
 * a read stream are the fastest way Node has. Larger chunks (4-8 MiB) with a hand-made read-ahead were 30-60%
 * slower in wall time and system CPU: every fresh buffer is new memory the kernel must fault in and zero, and a
 * chunk larger than the CPU caches is copied from memory twice (read, then write) instead of from cache. So the
 * chunk is capped at 1 MiB whatever is asked.
 */
import { createReadStream } from 'node:fs';
import { TruncatedError } from '../errors.js';
import type { FileRegion } from './tree.js';

export const REGION_CHUNK = 1 << 20;

export async function* readRegion(r: FileRegion, chunk = REGION_CHUNK): AsyncGenerator<Buffer> {
  if (r.size === 0) return;
  let got = 0;
  const stream = createReadStream(r.file, { start: r.offset, end: r.offset + r.size - 1, highWaterMark: Math.min(chunk, REGION_CHUNK) });
  for await (const c of stream as AsyncIterable<Buffer>) {
    got += c.length;
    yield c;
  }
  if (got < r.size) throw new TruncatedError(r.file);
}
