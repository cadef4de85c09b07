/**
 * Worker thread: gzip files inside a rebuilt layer (data kind 6) compressed again by their recipe. The encoders
 * are synchronous TypeScript (GNU gzip, zlib) and a changed changelog costs tens of milliseconds of CPU: here they
 * run beside the decoder, which goes on rebuilding the entries after them (gz-thread.ts).
 */
import { parentPort } from 'node:worker_threads';
import { threadError } from '../hash/thread-errors.js';
import { gzipByRecipe } from './gz-inside.js';

const port = parentPort!;
port.on('message', (m: { id: number; code: number; content: Uint8Array }) => {
  try {
    const gz = gzipByRecipe(m.code, Buffer.from(m.content.buffer, m.content.byteOffset, m.content.byteLength));
    const out = new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
    // A fresh buffer of its own (Buffer.concat of the writer's pieces) unless small (pooled): moved when whole.
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    port.postMessage({ id: m.id, bytes: out }, whole ? [out.buffer as ArrayBuffer] : []);
  } catch (e) {
    port.postMessage({ id: m.id, ...threadError(e) });
  }
});
