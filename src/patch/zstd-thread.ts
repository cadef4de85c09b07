/**
 * zstd frames with big tables made on a worker thread (zstd-worker.ts) while the encoder reads, plans and codes the
 * rest: on the Debian + Python update the changed executables and libraries (segments of up to 8 MiB against as
 * much of the old file, at levels 12 and 18) are most of the encoder's zstd time, and the machine has a core to
 * spare for them. The caller says which frames go (encode-layer.ts: changed ELF files' segments).
 *
 * Memory: a zstd context keeps the tables of the largest frame it made, and a thread costs about 10 MB of its own.
 * So there is one thread, taking the frames asked of it that are over LIGHT_BYTES (data and reference); smaller ones
 * (tables of a few MB) are made at once on the calling thread. Two threads, the second for the light frames, held a
 * second set of level-19 tables and took the Python update's peak RSS to 275-309 MB (one thread: 209-242). The
 * bytes sent are bounded by the caller (encode-layer.ts's IN_FLIGHT).
 */
import { Worker } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import { errorFromThread, type ThreadError } from '../hash/thread-errors.js';
import { compress } from './zstd.js';

const LIGHT_BYTES = 512 << 10;

type Reply = { id: number; frame?: Uint8Array } & Partial<ThreadError>;
type Job = { id: number; src: Uint8Array; level: number; ref?: Uint8Array };

class ZstdThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void }>();
  private nextId = 0;
  failed: Error | undefined;

  post(src: Uint8Array, level: number, ref: Uint8Array | undefined): Promise<Buffer> {
    const w = this.start();
    const id = this.nextId++;
    const p = new Promise<Buffer>((resolve, reject) => this.jobs.set(id, { resolve, reject }));
    if (this.jobs.size === 1) w.ref();
    const job: Job = { id, src, level, ...(ref ? { ref } : {}) };
    w.postMessage(job, ref ? [src.buffer as ArrayBuffer, ref.buffer as ArrayBuffer] : [src.buffer as ArrayBuffer]);
    return p;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./zstd-worker.js', import.meta.url));
    w.unref();
    w.on('message', (m: Reply) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (!this.jobs.size) w.unref(); // an idle thread does not keep the process alive
      if (m.frame) job.resolve(Buffer.from(m.frame.buffer, m.frame.byteOffset, m.frame.byteLength));
      else job.reject(errorFromThread({ error: 'zstd failed', ...m } as ThreadError));
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const job of this.jobs.values()) job.reject(this.failed);
      this.jobs.clear();
    };
    w.on('error', (e) => fail(new StowageError(`the zstd thread failed (${e.message})`)));
    w.on('exit', () => fail(new StowageError('the zstd thread ended early')));
    this.worker = w;
    return w;
  }
}

const thread = new ZstdThread();

/**
 * `b` as bytes to move to the thread: itself when the caller gives it up (`own`) and it fills its ArrayBuffer, else
 * a copy (a view of a read window or of Node's pool stays where it is). Moving spares a copy and leaves no garbage
 * on this thread: copies left to the collector held 40-60 MB more on the Python update.
 */
function toMove(b: Buffer, own: boolean): Uint8Array {
  if (own && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer)) return new Uint8Array(b.buffer);
  const u = new Uint8Array(b.length);
  u.set(b);
  return u;
}

/**
 * One zstd frame of `src` at `level` against `ref`: the same bytes as zstd.ts's `compress` (the worker calls it).
 * A small frame (or any, when not `onThread`) is made at once; a big one on the thread. `own` says the caller gives the buffers up: a buffer that
 * is a whole ArrayBuffer is then moved to the thread (and reads as empty here); otherwise they are copied, and the
 * caller may reuse them as soon as this returns.
 */
export function compressBeside(src: Buffer, level: number, ref?: Buffer, own = { src: false, ref: false }, onThread = true): Promise<Buffer> {
  if (!onThread || src.length + (ref?.length ?? 0) <= LIGHT_BYTES) {
    try {
      return Promise.resolve(compress(src, level, ref));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (thread.failed) return Promise.reject(thread.failed);
  return thread.post(toMove(src, own.src), level, ref ? toMove(ref, own.ref) : undefined);
}
