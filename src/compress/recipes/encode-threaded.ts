/**
 * A blob made by its recipe on a thread of its own (encode-worker.ts): the same bytes as encodeByRecipe, with the
 * encoding off this thread, so several layers recompress on several cores and the tar they come from is produced
 * here meanwhile. Memory stays bounded: at most IN_FLIGHT bytes of input are with the worker unencoded, and no more
 * input is sent while the compressed bytes waiting for the consumer pass OUT_QUEUED.
 */
import { Worker } from 'node:worker_threads';
import { StowageError } from '../../errors.js';
import { errorFromThread, type ThreadError } from '../../hash/thread-errors.js';
import type { Recipe } from './recipe.js';

const IN_FLIGHT = 8 << 20;
const OUT_QUEUED = 8 << 20;

type Reply = { type: 'out'; bytes: Uint8Array } | { type: 'ack'; n: number } | { type: 'done' } | ({ type: 'error' } & ThreadError);

export async function* encodeThreaded(recipe: Recipe, input: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Buffer> {
  // pgzip: its 1 MiB blocks are independent once their dictionary is known, so one layer takes several threads.
  // (Loaded when met: an apply without pgzip layers does not load its encoder.)
  if (recipe.encoder === 'pgzip') return yield* (await import('./pgzip/threaded.js')).pgzipThreaded(input, recipe.version, what);
  const worker = new Worker(new URL('./encode-worker.js', import.meta.url), { workerData: recipe });
  const out: Buffer[] = [];
  let outBytes = 0;
  let inFlight = 0;
  let done = false;
  let failed: Error | undefined;
  // Whoever waits (the feeder for room, the consumer for bytes) is woken by the next event, and looks again.
  let waiting: (() => void)[] = [];
  const notify = () => { const w = waiting; waiting = []; for (const r of w) r(); };
  const sleep = () => new Promise<void>((r) => { waiting.push(r); });
  worker.on('message', (m: Reply) => {
    if (m.type === 'out') {
      out.push(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      outBytes += m.bytes.byteLength;
    } else if (m.type === 'ack') inFlight -= m.n;
    else if (m.type === 'done') done = true;
    else failed = errorFromThread(m);
    notify();
  });
  worker.on('error', (e) => { failed ??= new StowageError(`${what}: the recompressing thread failed (${e.message})`); notify(); });
  worker.on('exit', () => { if (!done) failed ??= new StowageError(`${what}: the recompressing thread ended early`); notify(); });

  let feedError: unknown;
  const feed = (async () => {
    try {
      for await (const c of input) {
        while (!failed && (inFlight >= IN_FLIGHT || outBytes >= OUT_QUEUED)) await sleep();
        if (failed) return;
        const copy = new Uint8Array(c); // moved to the worker; the source may reuse its buffer
        inFlight += copy.length;
        worker.postMessage({ type: 'data', chunk: copy }, [copy.buffer]);
      }
      worker.postMessage({ type: 'end' });
    } catch (e) {
      feedError = e;
    } finally {
      notify();
    }
  })();
  try {
    for (;;) {
      if (feedError !== undefined) throw feedError;
      if (failed) throw failed;
      if (out.length) {
        const c = out.shift()!;
        outBytes -= c.length;
        notify(); // room for the feeder
        yield c;
        continue;
      }
      if (done) break;
      await sleep();
    }
  } finally {
    failed ??= new StowageError(`${what}: stopped`);
    notify();
    await feed;
    await worker.terminate();
  }
}
