/**
 * Content hashes of a layer's files, for finding the same content in several layers. In a layer stored as a plain
 * tar in a real file, large files are hashed by worker threads straight from the file (the main thread goes on
 * reading headers and seeks over their bytes; no file byte crosses threads); small files, and compressed or
 * streamed layers, are hashed on the main thread as the tar reader passes their bytes.
 */
import { createHash } from 'node:crypto';
import { ContentHashPool } from '../hash/content-pool.js';
import type { Layer } from '../image/layer.js';
import type { TarEntry } from '../tar/reader.js';

/** Files at least this big go to the workers (smaller ones come from the reader's read-ahead buffer). */
const DIRECT = 128 << 10;

export class ContentHasher {
  private pool?: ContentHashPool;
  private failure?: Error;
  private readonly pending: Promise<void>[] = [];

  /** Where the current layer's tar lies in a real file, when it is a plain tar there. */
  private region?: { file: string };

  async beginLayer(layer: Layer): Promise<void> {
    this.region = undefined;
    if (layer.compression === 'none' && layer.present) {
      const r = await layer.region();
      if (r) this.region = { file: r.file };
    }
  }

  /**
   * Hashes an entry's content: now, reading the body through the reader, or later on a worker, calling `done` with
   * the hash (then the caller must not read the body; the reader seeks over it).
   */
  async hash(e: TarEntry, size: number, done: (hash: string) => void): Promise<string | undefined> {
    if (this.region && size >= DIRECT) {
      // Reader positions are offsets in the file that holds the layer (a region reader starts at the region).
      this.pool ??= new ContentHashPool();
      this.pending.push(this.pool.hash(this.region.file, e.dataOffset, size).then(done, (err: Error) => {
        this.failure ??= err;
      }));
      return undefined;
    }
    const h = createHash('sha256');
    for await (const c of e.body()) h.update(c);
    return h.digest('base64');
  }

  /** Waits for every hash asked of the workers; throws the first failure. */
  async finish(): Promise<void> {
    await Promise.all(this.pending);
    this.pending.length = 0;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
