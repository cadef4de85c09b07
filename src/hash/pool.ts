/**
 * A small pool of worker threads that hash file regions in parallel, one region per worker at a time, as many
 * workers as the machine has cores (or fewer, if there is less work).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StowageError } from '../errors.js';
import type { FileRegion } from '../fs/tree.js';
import type { LayerDigests } from './layer-digest.js';

interface Pending {
  resolve: (d: LayerDigests) => void;
  reject: (e: Error) => void;
}

interface Queued {
  id: number;
  region: FileRegion;
  what: string;
}

export class HashPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Queued[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;
  private scheduled = false;

  constructor(private readonly size = Math.max(1, availableParallelism())) {}

  hash(region: FileRegion, what: string): Promise<LayerDigests> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, region, what });
      // Dispatch on the next turn, once every job asked for together is queued: largest first keeps all cores
      // busy until the end (the last job to start is the smallest).
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
    const w = new Worker(new URL('./worker.js', import.meta.url));
    w.on('message', (m: { id: number; result?: LayerDigests; error?: string; stowage?: boolean }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.busy.delete(w);
      this.idle.push(w);
      w.unref(); // an idle worker must not keep the process alive
      if (p) {
        if (m.error !== undefined) p.reject(m.stowage ? new StowageError(m.error) : new Error(m.error));
        else p.resolve(m.result!);
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

  private pump(): void {
    while (this.queue.length) {
      const w = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (!w) return;
      let best = 0;
      for (let i = 1; i < this.queue.length; i++) if (this.queue[i]!.region.size > this.queue[best]!.region.size) best = i;
      const job = this.queue.splice(best, 1)[0]!;
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
