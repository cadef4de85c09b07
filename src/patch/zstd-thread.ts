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
import { compress } from './zstd.js';
import { JobThread } from './job-thread.js';

const LIGHT_BYTES = 512 << 10;

const thread = new JobThread(new URL('./zstd-worker.js', import.meta.url), 'zstd');

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
  const s = toMove(src, own.src);
  const r = ref ? toMove(ref, own.ref) : undefined;
  return thread.post({ src: s, level, ...(r ? { ref: r } : {}) }, r ? [s.buffer as ArrayBuffer, r.buffer as ArrayBuffer] : [s.buffer as ArrayBuffer]);
}
