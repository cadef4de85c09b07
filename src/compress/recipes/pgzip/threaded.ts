/**
 * pgzip's stream made on several cores, as pgzip itself makes it: the input is cut into its 1 MiB blocks, and each
 * block, with the previous block's last 16 KiB as dictionary (input bytes, known before the block is encoded), goes
 * to one of a few block workers (block-pool.ts, shared by every layer of the process); the blocks' bytes come back
 * and leave in order between pgzip's header and its trailer (the CRC-32 and length of the whole input, computed here
 * as the input is copied into the blocks). The bytes are PgzipWriter's (block-encoder.ts says why), whatever the threads or the input's chunks.
 *
 * Memory stays bounded: at most AHEAD_PER_THREAD blocks per thread are out (sent and not yet yielded), their
 * buffers are handed back by the workers and refilled, so a layer of any size holds a few MiB per thread. A layer
 * that ends within its first block is encoded on this thread: no worker is needed for it.
 */
import { availableParallelism } from 'node:os';
import { crc32 } from 'node:zlib';
import { StowageError } from '../../../errors.js';
import { PgzipBlockEncoder } from './block-encoder.js';
import { encodeBlockOn } from './block-pool.js';
import { type KlauspostVersion, PGZIP_BLOCK, PGZIP_HEADER } from './gzip-writer.js';

const TAIL = 16384;
/** Blocks out per thread: one being encoded, one waiting in its queue so it never idles between blocks. */
const AHEAD_PER_THREAD = 2;
/** More threads than this gain little for one layer; layers themselves run in parallel. */
const MAX_THREADS = 4;

export function pgzipThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_THREADS));
}

export async function* pgzipThreaded(input: AsyncIterable<Uint8Array>, version: KlauspostVersion, what: string, threads = pgzipThreads()): AsyncGenerator<Buffer> {
  const results = new Map<number, Uint8Array[]>();
  const free: Uint8Array<ArrayBuffer>[] = [];
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => { const w = wake; wake = undefined; w?.(); };

  let sent = 0;
  let yielded = 0;
  /** The next block's bytes, in order, once its worker has sent them (as made: not joined, so not copied). */
  const next = async (): Promise<Uint8Array[]> => {
    for (;;) {
      if (failed) throw failed;
      const parts = results.get(yielded);
      if (parts) {
        results.delete(yielded++);
        return parts;
      }
      await new Promise<void>((r) => { wake = r; });
    }
  };
  const buffers = (parts: Uint8Array[]) => parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  const send = (dict: Uint8Array<ArrayBuffer> | null, block: Uint8Array<ArrayBuffer>, last: boolean) => {
    const seq = sent++;
    encodeBlockOn(seq % threads, version, dict, block, last, (r) => {
      if (r instanceof Error) failed ??= r instanceof StowageError ? new StowageError(`${what}: ${r.message}`, { code: r.code }) : new StowageError(`${what}: ${r.message}`);
      else {
        results.set(seq, r.parts);
        free.push(r.block);
      }
      notify();
    });
  };

  yield Buffer.from(PGZIP_HEADER);
  let crc = 0;
  let size = 0;
  let dict: Uint8Array<ArrayBuffer> | null = null;
  let block = new Uint8Array(PGZIP_BLOCK);
  let fill = 0;
  try {
    for await (const chunk of input) {
      crc = crc32(chunk, crc);
      size = (size + chunk.length) >>> 0;
      for (let at = 0; at < chunk.length;) {
        const n = Math.min(chunk.length - at, PGZIP_BLOCK - fill);
        block.set(chunk.subarray(at, at + n), fill);
        fill += n;
        at += n;
        if (fill < PGZIP_BLOCK) break;
        // A full block is never the last: pgzip closes the stream with a block of what follows, empty or not.
        while (sent - yielded >= threads * AHEAD_PER_THREAD) yield* buffers(await next());
        const tail = block.slice(PGZIP_BLOCK - TAIL);
        send(dict, block, false);
        dict = tail;
        block = free.pop() ?? new Uint8Array(PGZIP_BLOCK);
        fill = 0;
      }
      while (results.has(yielded)) yield* buffers(await next());
    }
    if (sent === 0) {
      yield* buffers(new PgzipBlockEncoder(version).encode(null, block.subarray(0, fill), true));
    } else {
      send(dict, block.subarray(0, fill), true);
      while (yielded < sent) yield* buffers(await next());
    }
  } finally {
    // Blocks still out finish on their workers and are dropped (the workers stay, for the next layer).
    failed ??= new StowageError(`${what}: stopped`);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size, 4);
  yield trailer;
}
