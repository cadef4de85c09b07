/**
 * Byte-level progress for a copy: a layer's bytes are counted as they are read from the source (a push compresses
 * and uploads as it reads, so a 1 GB layer moves the bar all along, not once at its end), and whole layers as a
 * writer reports them done (a file output copies on its own threads, without reading through `open`).
 */
import type { WritableImage } from './writable.js';

export interface ProgressTracker {
  /** For the writer's onLayer: a layer of `bytes` is done. */
  onLayer(bytes: number): void;
  /** The stored bytes of the distinct layers to copy. */
  total: number;
}

export function trackProgress(images: WritableImage[], report: (done: number, total: number, layers: { done: number; total: number }) => void): ProgressTracker {
  const seen = new Set<string>();
  let total = 0;
  let read = 0;
  let completed = 0;
  let layersDone = 0;
  const emit = () => report(Math.min(total, Math.max(read, completed)), total, { done: layersDone, total: seen.size });
  for (const img of images) {
    for (const l of img.layers) {
      const open = l.open;
      if (!open) continue;
      const key = l.digest ?? l.diffId;
      if (!seen.has(key)) {
        seen.add(key);
        total += l.size;
      }
      l.open = () => counted(open(), (n) => { read += n; emit(); });
    }
  }
  return {
    total,
    onLayer: (bytes) => { completed += bytes; layersDone = Math.min(seen.size, layersDone + 1); emit(); },
  };
}

async function* counted(body: AsyncIterable<Buffer>, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of body) {
    add(c.length);
    yield c;
  }
}

/**
 * For ops whose progress is a byte count they keep (a merge writing a tar, a scan reading layers): calls
 * `report(count())` five times a second while `work` runs, and not at all without `report`.
 */
export async function polling<T>(report: ((bytes: number) => void) | undefined, count: () => number, work: () => Promise<T>): Promise<T> {
  const timer = report ? setInterval(() => report(count()), 200) : undefined;
  try {
    return await work();
  } finally {
    if (timer) clearInterval(timer);
  }
}
