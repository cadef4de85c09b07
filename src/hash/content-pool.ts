/**
 * Worker threads that hash file regions (sha256, base64), first come first served, as many as the machine has
 * cores but one. Jobs carry only a file name, an offset and a size: no file bytes cross threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StowageError } from '../errors.js';

interface Pending {
  resolve: (hash: string) => void;
  reject: (e: Error) => void;
}

export class ContentHashPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { id: number; file: string; offset: number; size: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  // The main thread keeps one core busy reading headers and hashing small files: the workers take the others.
  constructor(private readonly size = Math.max(1, availableParallelism() - 1)) {}

  hash(file: string, offset: number, size: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, file, offset, size });
      this.pump();
    });
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./content-worker.js', import.meta.url));
    w.on('message', (m: { id: number; hash?: string; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.idle.push(w);
      w.unref();
      if (p) {
        if (m.error !== undefined) p.reject(new StowageError(m.error));
        else p.resolve(m.hash!);
      }
      this.pump();
    });
    w.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
    w.unref();
    this.all.push(w);
    return w;
  }

  private pump(): void {
    while (this.queue.length) {
      const w = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (!w) return;
      w.ref();
      w.postMessage(this.queue.shift()!);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
