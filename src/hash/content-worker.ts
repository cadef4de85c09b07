/**
 * Worker thread: sha256 of file regions (files inside a plain layer tar), read synchronously into one reused buffer.
 * Answers base64 digests; used by `layers` to hash large files on other cores while the main thread reads headers.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import { threadError } from './thread-errors.js';

interface Job {
  id: number;
  file: string;
  offset: number;
  size: number;
}

const BUF = Buffer.allocUnsafe(1 << 20);
const fds = new Map<string, number>();

parentPort!.on('message', (job: Job | { close: true }) => {
  if ('close' in job) {
    for (const fd of fds.values()) closeSync(fd);
    fds.clear();
    return;
  }
  try {
    let fd = fds.get(job.file);
    if (fd === undefined) {
      fd = openSync(job.file, 'r');
      fds.set(job.file, fd);
    }
    const h = createHash('sha256');
    let pos = 0;
    while (pos < job.size) {
      const n = readSync(fd, BUF, 0, Math.min(BUF.length, job.size - pos), job.offset + pos);
      if (n === 0) throw new StowageError(`${job.file}: truncated at offset ${job.offset + pos}`, { code: 'truncated' });
      h.update(BUF.subarray(0, n));
      pos += n;
    }
    parentPort!.postMessage({ id: job.id, result: h.digest('base64') });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, ...threadError(e, true) });
  }
});
