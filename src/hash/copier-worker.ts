/**
 * The two threads of RegionCopier (copier.ts). The 'copy' thread reads a file region into slots of a shared ring
 * and writes each slot to the output file at its offset, as dd would; the 'hash' thread hashes the same slots as
 * they fill. So a layer is copied and hashed in one read, on two cores, with no buffer allocated per chunk.
 *
 * The ring: SLOTS slots of SLOT bytes in a SharedArrayBuffer; per slot an Int32 length (-1: the job failed, 0: end
 * of the job) and an Int32 state (0 free for the copier, 1 full for the hasher), waited on with Atomics.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

import { TruncatedError } from '../errors.js';
import { SLOT, SLOTS } from './copier-ring.js';
import { threadError } from './thread-errors.js';

interface CopyJob {
  file: string;
  offset: number;
  size: number;
  outFd: number;
  outPos: number;
  /** false: copy only (the caller vouches for the bytes); the hash thread is not involved. */
  hash: boolean;
}

const { role, ring, ctl } = workerData as { role: 'copy' | 'hash'; ring: SharedArrayBuffer; ctl: SharedArrayBuffer };
const c = new Int32Array(ctl); // [len 0..SLOTS-1, state 0..SLOTS-1]
let slot = 0;

function waitFor(state: number): void {
  while (Atomics.load(c, SLOTS + slot) !== state) Atomics.wait(c, SLOTS + slot, 1 - state);
}

function publish(len: number): void {
  c[slot] = len;
  Atomics.store(c, SLOTS + slot, 1);
  Atomics.notify(c, SLOTS + slot);
  slot = (slot + 1) % SLOTS;
}

/** Copy only: one slot, reused, never handed to the hash thread. */
function copyOnly(job: CopyJob): void {
  let fd: number | undefined;
  try {
    fd = openSync(job.file, 'r');
    const buf = new Uint8Array(ring, slot * SLOT, SLOT);
    for (let pos = 0; pos < job.size;) {
      const n = readSync(fd, buf, 0, Math.min(SLOT, job.size - pos), job.offset + pos);
      if (n === 0) throw new TruncatedError(job.file);
      let w = 0;
      while (w < n) w += writeSync(job.outFd, buf, w, n - w, job.outPos + pos + w);
      pos += n;
    }
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    parentPort!.postMessage({ ok: false, ...threadError(e, true) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function copy(job: CopyJob): void {
  if (!job.hash) return copyOnly(job);
  let fd: number | undefined;
  let pos = 0;
  try {
    fd = openSync(job.file, 'r');
    while (pos < job.size) {
      waitFor(0);
      const buf = new Uint8Array(ring, slot * SLOT, SLOT);
      const n = readSync(fd, buf, 0, Math.min(SLOT, job.size - pos), job.offset + pos);
      if (n === 0) throw new TruncatedError(job.file);
      let w = 0;
      while (w < n) w += writeSync(job.outFd, buf, w, n - w, job.outPos + pos + w);
      pos += n;
      publish(n);
    }
    waitFor(0);
    publish(0);
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    waitFor(0);
    publish(-1);
    parentPort!.postMessage({ ok: false, ...threadError(e, true) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

if (role === 'copy') {
  parentPort!.on('message', (job: CopyJob) => copy(job));
} else {
  parentPort!.on('message', () => {
    // One message per job: hash slots until the job's end (or failure) marker.
    const h = createHash('sha256');
    let size = 0;
    for (;;) {
      waitFor(1);
      const n = c[slot]!;
      if (n > 0) h.update(new Uint8Array(ring, slot * SLOT, n));
      size += Math.max(n, 0);
      Atomics.store(c, SLOTS + slot, 0);
      Atomics.notify(c, SLOTS + slot);
      slot = (slot + 1) % SLOTS;
      if (n <= 0) {
        parentPort!.postMessage(n === 0 ? { digest: `sha256:${h.digest('hex')}`, size } : { failed: true });
        return;
      }
    }
  });
}
