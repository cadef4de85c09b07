/**
 * Hashing whole layers stored in file regions, in parallel: as many workers as the machine has cores (or fewer, if
 * there is less work), the largest region first.
 */
import { availableParallelism } from 'node:os';
import type { FileRegion } from './region.js';
import type { LayerDigests } from './layer-digest.js';
import { WorkerPool } from './worker-pool.js';

export class HashPool {
  private readonly pool: WorkerPool<{ region: FileRegion; what: string }, LayerDigests>;

  constructor(size = Math.max(1, availableParallelism())) {
    this.pool = new WorkerPool(new URL('./worker.js', import.meta.url), { size, weight: (j) => j.region.size });
  }

  hash(region: FileRegion, what: string): Promise<LayerDigests> {
    return this.pool.run({ region, what });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
