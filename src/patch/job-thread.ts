/**
 * A worker thread answering numbered jobs with bytes (the zstd frames of zstd-thread.ts, the gzip files of
 * gz-thread.ts). Each job's promise settles with its reply, `{ id, bytes }` or a thread error; the thread holds the
 * process open only while jobs are out; once it fails or ends early, every job out and every later one fails with
 * that one error.
 */
import { Worker } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import { errorFromThread, type ThreadError } from '../hash/thread-errors.js';

type Reply = { id: number; bytes?: Uint8Array } & Partial<ThreadError>;

export class JobThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void }>();
  private nextId = 0;
  failed: Error | undefined;

  /** `kind` names the work in errors ("zstd", "gzip"); `what`, when given, the input they are about. */
  constructor(private readonly url: URL, private readonly kind: string, private readonly what?: string) {}

  /** Posts `job` (its `id` is added) with `transfer` moved to the thread; the promise of the bytes it answers. */
  post(job: object, transfer: ArrayBuffer[]): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const w = this.start();
    const id = this.nextId++;
    const p = new Promise<Buffer>((resolve, reject) => this.jobs.set(id, { resolve, reject }));
    if (this.jobs.size === 1) w.ref();
    w.postMessage({ ...job, id }, transfer);
    return p;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.url);
    w.unref();
    w.on('message', (m: Reply) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (!this.jobs.size) w.unref(); // an idle thread does not keep the process alive
      if (m.bytes) job.resolve(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      else job.reject(errorFromThread({ error: `${this.kind} failed`, ...m } as ThreadError));
    });
    const prefix = this.what ? `${this.what}: ` : '';
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const job of this.jobs.values()) job.reject(this.failed);
      this.jobs.clear();
    };
    w.on('error', (e) => fail(new StowageError(`${prefix}the ${this.kind} thread failed (${e.message})`)));
    w.on('exit', () => fail(new StowageError(`${prefix}the ${this.kind} thread ended early`)));
    this.worker = w;
    return w;
  }
}
