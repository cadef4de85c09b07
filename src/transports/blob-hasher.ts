/**
 * Hashes the files of a FileTree as layers, each distinct file once: in worker threads when the bytes are in a
 * real file (in parallel across cores), from the digests a one-pass stream computed as it went by, or else in
 * this thread from the tree's stream.
 */
import type { FileTree } from '../fs/tree.js';
import { digestLayer, type LayerDigests } from '../hash/layer-digest.js';
import { HashPool } from '../hash/pool.js';

export class BlobHasher {
  private readonly cache = new Map<string, Promise<LayerDigests>>();
  private pool: HashPool | undefined;

  constructor(private readonly tree: FileTree, private readonly onDone?: (bytes: number) => void) {}

  /** Digests of the file at `path` (after links); concurrent calls for the same file share one hash. */
  hash(path: string): Promise<LayerDigests> {
    const run = async (): Promise<LayerDigests> => {
      const st = await this.tree.stat(path);
      const key = st?.resolved ?? path;
      let p = this.cache.get(key);
      if (!p) {
        p = this.compute(key);
        this.cache.set(key, p);
      }
      return p;
    };
    return run();
  }

  private async compute(path: string): Promise<LayerDigests> {
    const what = `${this.tree.label}: ${path}`;
    const pre = this.tree.precomputed(path);
    let d: LayerDigests;
    if (pre) d = pre;
    else {
      const region = this.tree.seekable ? await this.tree.region(path) : undefined;
      if (region && region.size >= 1 << 20) {
        this.pool ??= new HashPool();
        d = await this.pool.hash(region, what);
      } else {
        d = await digestLayer(this.tree.open(path), what);
      }
    }
    this.onDone?.(d.size);
    return d;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
