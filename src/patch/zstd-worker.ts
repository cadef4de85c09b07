/**
 * Worker thread: one zstd frame per message, made by zstd.ts's `compress` (the same backend choice, reference
 * rule and window as on the main thread, so the same bytes). The encoder sends its frames here (zstd-threads.ts) and
 * goes on reading and planning the next ones meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { threadError } from '../hash/thread-errors.js';
import { compress } from './zstd.js';

const port = parentPort!;
const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

port.on('message', (m: { id: number; src: Uint8Array; level: number; ref?: Uint8Array }) => {
  try {
    const f = compress(asBuffer(m.src), m.level, m.ref ? asBuffer(m.ref) : undefined);
    const out = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    // A frame in a buffer of its own is moved; a small one (a view of Node's pool) is copied by the post.
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    port.postMessage({ id: m.id, bytes: out }, whole ? [out.buffer as ArrayBuffer] : []);
  } catch (e) {
    port.postMessage({ id: m.id, ...threadError(e, true) });
  }
});
