/**
 * Hashing files inside a plain layer tar (sha256, base64) on other cores while the main thread reads headers:
 * as many workers as the machine has cores but one, first come first served.
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from './worker-pool.js';

export class ContentHashPool {
  private readonly pool: WorkerPool<{ file: string; offset: number; size: number }, string>;

  // The main thread keeps one core busy reading headers and hashing small files: the workers take the others.
  constructor(size = Math.max(1, availableParallelism() - 1)) {
    this.pool = new WorkerPool(new URL('./content-worker.js', import.meta.url), { size });
  }

  hash(file: string, offset: number, size: number): Promise<string> {
    return this.pool.run({ file, offset, size });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
