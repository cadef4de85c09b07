/**
 * The gzip files of a rebuilt layer compressed again on a thread of their own (gz-worker.ts), so the decoder goes
 * on rebuilding the entries after one while it is encoded (on the Debian + Python pair: 0.3 s of CPU off the
 * thread that rebuilds, hashes and writes). The results come back in the order asked; memory stays bounded: at most
 * IN_FLIGHT bytes of content are with the thread at once (a patch naming many big gzip files waits for room).
 */
import { Worker } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import { errorFromThread, type ThreadError } from '../hash/thread-errors.js';

const IN_FLIGHT = 32 << 20;

type Reply = { id: number; bytes?: Uint8Array } & Partial<ThreadError>;

export class GzThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void; size: number }>();
  private nextId = 0;
  private inFlight = 0;
  private room: (() => void)[] = [];
  private failed: Error | undefined;

  constructor(private readonly what: string) {}

  /**
   * `content` compressed by recipe `code`, on the thread. Resolves once there is room for the content (the caller's
   * backpressure) with the promise of the compressed bytes.
   */
  async encode(code: number, content: Buffer): Promise<{ bytes: Promise<Buffer> }> {
    while (this.inFlight > 0 && this.inFlight + content.length > IN_FLIGHT && !this.failed) await new Promise<void>((r) => this.room.push(r));
    if (this.failed) throw this.failed;
    const w = this.start();
    const id = this.nextId++;
    const copy = new Uint8Array(content); // moved to the thread: the content may be a view of a buffer held elsewhere
    this.inFlight += copy.length;
    const p = new Promise<Buffer>((resolve, reject) => this.jobs.set(id, { resolve, reject, size: copy.length }));
    if (this.jobs.size === 1) w.ref();
    w.postMessage({ id, code, content: copy }, [copy.buffer]);
    return { bytes: p }; // (in an object: a promise resolved with a promise would wait for it)
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./gz-worker.js', import.meta.url));
    w.unref();
    w.on('message', (m: Reply) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      this.release(job.size);
      if (m.bytes) job.resolve(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      else job.reject(errorFromThread({ error: 'gzip failed', ...m } as ThreadError));
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const job of this.jobs.values()) job.reject(this.failed);
      this.jobs.clear();
      this.release(this.inFlight);
    };
    w.on('error', (e) => fail(new StowageError(`${this.what}: the gzip thread failed (${e.message})`)));
    w.on('exit', () => fail(new StowageError(`${this.what}: the gzip thread ended early`)));
    this.worker = w;
    return w;
  }

  private release(n: number): void {
    this.inFlight -= n;
    if (!this.jobs.size) this.worker?.unref();
    const r = this.room;
    this.room = [];
    for (const f of r) f();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }
}
