/**
 * gzip on every core for one stream, as pigz does: the input is cut into blocks compressed in parallel on libuv's
 * thread pool, each primed with the last 32 KiB of the block before it (so back-references cross blocks as in one
 * stream) and ended with a sync flush; the pieces, a gzip header and a trailer with the CRC-32 of all the input
 * make one ordinary gzip member that every decompressor reads. A layer compresses on both cores even when it is
 * the only one left, which is what a push of a few big layers waits for. The output depends only on the input, the
 * level and the block size, so a blob can be made again byte for byte.
 */
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw } from 'node:zlib';

const deflate = promisify(deflateRaw) as (buf: Buffer, opts: object) => Promise<Buffer>;

/** gzip header: no name, mtime 0, OS unix: what Node's createGzip writes. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
const WINDOW = 32 << 10;

export const GZIP_BLOCK = 1 << 20;

/** Cuts a stream into blocks of exactly `size` bytes (the last may be shorter). */
async function* reblock(input: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let len = 0;
  for await (const c of input) {
    let chunk = c;
    while (len + chunk.length >= size) {
      const take = size - len;
      parts.push(chunk.subarray(0, take));
      yield parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
      chunk = chunk.subarray(take);
      parts = [];
      len = 0;
    }
    if (chunk.length) {
      parts.push(chunk);
      len += chunk.length;
    }
  }
  if (len) yield Buffer.concat(parts);
}

export async function* parallelGzip(input: AsyncIterable<Buffer>, level: number, opts: { block?: number; inFlight?: number } = {}): AsyncGenerator<Buffer> {
  const block = opts.block ?? GZIP_BLOCK;
  const inFlight = opts.inFlight ?? 6;
  const queue: Promise<Buffer>[] = [];
  let crc = 0;
  let total = 0;
  let held: Buffer | undefined;
  let dict: Buffer | undefined;
  const submit = (data: Buffer, last: boolean) => {
    const p = deflate(data, { level, chunkSize: 1 << 20, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH, ...(dict ? { dictionary: dict } : {}) });
    p.catch(() => undefined); // awaited in order below
    queue.push(p);
    dict = data.length >= WINDOW ? data.subarray(data.length - WINDOW) : Buffer.concat([dict ?? Buffer.alloc(0), data]).subarray(-WINDOW);
  };
  yield HEADER;
  for await (const b of reblock(input, block)) {
    crc = crc32(b, crc);
    total += b.length;
    // A block is known not to be the last only when the next one arrives.
    if (held) submit(held, false);
    held = b;
    while (queue.length >= inFlight) yield await queue.shift()!;
  }
  submit(held ?? Buffer.alloc(0), true);
  while (queue.length) yield await queue.shift()!;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(total % 2 ** 32, 4);
  yield trailer;
}
