/**
 * Worker thread: one recipe encoder (a layer being made again). Go's deflate in TypeScript is CPU-bound and
 * synchronous, so layers recompressed at once need threads of their own to use every core, and the thread that
 * rebuilds the tar (reading the base, decoding the patch) runs beside it instead of taking turns. The parent sends
 * the tar in chunks and gets the compressed bytes back; each chunk is acknowledged once encoded (the parent's
 * backpressure).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { threadError } from '../../hash/thread-errors.js';
import { parseRecipe } from './recipe.js';
import { recipeWriter } from './by-recipe.js';

type Message = { type: 'data'; chunk: Uint8Array } | { type: 'end' };

const port = parentPort!;
try {
  const writer = recipeWriter(parseRecipe(workerData, 'recipe'), (bytes) => {
    // The writer may reuse its buffers: a copy goes across, moved rather than cloned.
    const out = new Uint8Array(bytes);
    port.postMessage({ type: 'out', bytes: out }, [out.buffer]);
  });
  port.on('message', (m: Message) => {
    try {
      if (m.type === 'data') {
        writer.write(m.chunk);
        port.postMessage({ type: 'ack', n: m.chunk.length });
      } else {
        writer.end();
        port.postMessage({ type: 'done' });
      }
    } catch (e) {
      port.postMessage({ type: 'error', ...threadError(e) });
    }
  });
} catch (e) {
  port.postMessage({ type: 'error', ...threadError(e) });
}
