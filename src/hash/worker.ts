/**
 * Worker thread: hashes one file region at a time (a layer inside an archive or a blob in a layout) and answers
 * with its LayerDigests. Hashing is CPU-bound and synchronous in Node, so parallel layers need threads.
 */
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import { digestLayer } from './layer-digest.js';
import type { FileRegion } from '../fs/tree.js';

interface Job {
  id: number;
  region: FileRegion;
  what: string;
}

async function* regionChunks(r: FileRegion): AsyncGenerator<Buffer> {
  if (r.size === 0) return;
  let got = 0;
  for await (const c of createReadStream(r.file, { start: r.offset, end: r.offset + r.size - 1, highWaterMark: 1 << 20 })) {
    got += (c as Buffer).length;
    yield c as Buffer;
  }
  if (got < r.size) throw new StowageError(`${r.file}: truncated`);
}

parentPort!.on('message', (job: Job) => {
  digestLayer(regionChunks(job.region), job.what).then(
    (result) => parentPort!.postMessage({ id: job.id, result }),
    (e: unknown) => parentPort!.postMessage({
      id: job.id,
      error: e instanceof Error ? e.message : String(e),
      stowage: e instanceof StowageError,
    }),
  );
});
