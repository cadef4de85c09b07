/**
 * Copies file regions (layers inside an archive, blobs in a layout) into an output file while hashing them, at
 * the speed of a plain copy: one thread reads and writes (positional, synchronous, a reused shared buffer), another
 * hashes the same buffers (see copier-worker.ts). Node cannot copy inside the kernel as `cp` does, but this keeps
 * the copy within a few percent of `dd`, with the digest for free on the second core.
 */
import { Worker } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import { errorFromThread, type ThreadError } from './thread-errors.js';
import type { Digest } from '../oci/digest.js';
import type { FileRegion } from './region.js';
import { SLOT, SLOTS } from './copier-ring.js';

export class RegionCopier {
  private readonly copier: Worker;
  private readonly hasher: Worker;
  private busy: Promise<unknown> = Promise.resolve();

  constructor() {
    const ring = new SharedArrayBuffer(SLOTS * SLOT);
    const ctl = new SharedArrayBuffer(4 * SLOTS * 2);
    const url = new URL('./copier-worker.js', import.meta.url);
    this.copier = new Worker(url, { workerData: { role: 'copy', ring, ctl } });
    this.hasher = new Worker(url, { workerData: { role: 'hash', ring, ctl } });
    for (const w of [this.copier, this.hasher]) {
      w.on('error', () => { /* surfaced through the pending job */ });
      w.unref();
    }
  }

  /**
   * Copies `region` to `outFd` at `outPos`; resolves with the sha256 and size of the bytes copied (no digest with
   * `hash: false`, a plain copy for callers that vouch for the bytes).
   */
  copy(region: FileRegion, outFd: number, outPos: number, hash = true): Promise<{ digest?: Digest; size: number }> {
    const plain = async () => {
      this.copier.ref();
      try {
        const c = await new Promise<{ ok: boolean } & Partial<ThreadError>>((resolve, reject) => {
          this.copier.once('message', resolve);
          this.copier.once('error', reject);
          this.copier.postMessage({ file: region.file, offset: region.offset, size: region.size, outFd, outPos, hash: false });
        });
        if (!c.ok) throw errorFromThread({ error: 'copy failed', stowage: true, ...c });
        return { size: region.size };
      } finally {
        this.copier.unref();
      }
    };
    const run = async () => {
      this.copier.ref();
      this.hasher.ref();
      try {
        const hashed = new Promise<{ digest?: Digest; size?: number; failed?: boolean }>((resolve, reject) => {
          this.hasher.once('message', resolve);
          this.hasher.once('error', reject);
        });
        const copied = new Promise<{ ok: boolean } & Partial<ThreadError>>((resolve, reject) => {
          this.copier.once('message', resolve);
          this.copier.once('error', reject);
        });
        this.hasher.postMessage('job');
        this.copier.postMessage({ file: region.file, offset: region.offset, size: region.size, outFd, outPos, hash: true });
        const [c, h] = await Promise.all([copied, hashed]);
        if (!c.ok) throw errorFromThread({ error: 'copy failed', stowage: true, ...c });
        if (h.failed || !h.digest) throw new StowageError('copy failed');
        return { digest: h.digest, size: h.size! };
      } finally {
        this.copier.unref();
        this.hasher.unref();
      }
    };
    // One job at a time: the ring is shared.
    const job = hash ? run : plain;
    const p = this.busy.then(job, job);
    this.busy = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    await Promise.all([this.copier.terminate(), this.hasher.terminate()]);
  }
}
