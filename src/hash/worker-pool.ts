/**
 * Worker threads that each run one job at a time, as many as `size`. Jobs carry only small values (file names,
 * offsets, sizes): no file bytes cross threads. Workers answer `{ id, result }` or `{ id, ...ThreadError }` (thread-errors.ts); an idle
 * worker never keeps the process alive, a busy one does (the caller awaits its answer).
 */
import { Worker } from 'node:worker_threads';
import { errorFromThread, type ThreadError } from './thread-errors.js';

interface Pending<R> {
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

export interface PoolOptions<J> {
  /** How many threads at most. */
  size: number;
  /**
   * Which queued job to start next. Absent: first come, first served. Given: jobs asked for on the same turn are
   * queued together, then the one `weight` rates highest starts first (largest first keeps every core busy to the end).
   */
  weight?: (job: J) => number;
}

export class WorkerPool<J extends object, R> {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: (J & { id: number })[] = [];
  private readonly pending = new Map<number, Pending<R>>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;
  private scheduled = false;

  constructor(private readonly script: URL, private readonly opts: PoolOptions<J>) {}

  run(job: J): Promise<R> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.queue.push({ ...job, id });
      if (!this.opts.weight) return this.pump();
      // Dispatch on the next turn, once every job asked for together is queued.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private spawn(): Worker {
    const w = new Worker(this.script);
    w.on('message', (m: { id: number; result?: R } & Partial<ThreadError>) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.busy.delete(w);
      this.idle.push(w);
      w.unref(); // an idle worker must not keep the process alive
      if (p) {
        if (m.error !== undefined) p.reject(errorFromThread(m as ThreadError));
        else p.resolve(m.result as R);
      }
      this.pump();
    });
    w.on('error', (e) => {
      const id = this.busy.get(w);
      if (id !== undefined) {
        this.pending.get(id)?.reject(e);
        this.pending.delete(id);
      }
    });
    w.unref();
    this.all.push(w);
    return w;
  }

  private next(): J & { id: number } {
    const weight = this.opts.weight;
    if (!weight) return this.queue.shift()!;
    let best = 0;
    for (let i = 1; i < this.queue.length; i++) if (weight(this.queue[i]!) > weight(this.queue[best]!)) best = i;
    return this.queue.splice(best, 1)[0]!;
  }

  private pump(): void {
    while (this.queue.length) {
      const w = this.idle.pop() ?? (this.all.length < this.opts.size ? this.spawn() : undefined);
      if (!w) return;
      const job = this.next();
      this.busy.set(w, job.id);
      w.ref(); // a busy worker must: the caller awaits its answer
      w.postMessage(job);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
