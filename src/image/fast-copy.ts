/**
 * Sets up the layer copies of a file-backed source for speed: each layer is read in large chunks with read-ahead,
 * and hashed by worker threads in parallel with the copy (the digests are checked when each copy ends), so copying
 * is bound by I/O rather than by hashing in the copying thread. Sources without file regions keep hashing inline.
 */
import { BlobHasher } from '../hash/blob-hasher.js';
import { readRegion } from '../fs/region-reader.js';
import type { ImageSource, SourceImage } from './model.js';
import type { WritableImage } from './writable.js';

export interface FastCopy {
  close(): Promise<void>;
}

/**
 * Rewires `image`'s layers (from `img` of `src`) for a fast, still verified copy. `wanted(i)` says which layers
 * will be copied (others are left alone, so they are not hashed for nothing). With `verify` false, only the byte
 * count is checked (for callers that vouch for the bytes).
 */
export async function prepareFastCopy(src: ImageSource, img: SourceImage, image: WritableImage, opts: { verify?: boolean; wanted?: (i: number) => boolean; hasher?: BlobHasher } = {}): Promise<FastCopy> {
  const verify = opts.verify ?? true;
  let hasher = opts.hasher;
  const own = !hasher;
  if (!src.tree.seekable) return { close: async () => undefined };
  for (const [i, w] of image.layers.entries()) {
    const path = img.layers[i]?.path;
    if (!w.open || !path || (opts.wanted && !opts.wanted(i))) continue;
    const region = await src.tree.region(path);
    if (!region) continue; // hashed inline, as it passes
    w.open = () => readRegion(region);
    if (!verify) {
      w.check = 'size';
      continue;
    }
    hasher ??= new BlobHasher(src.tree);
    const digests = hasher.hash(path);
    digests.catch(() => undefined); // awaited when the copy ends; an early failure must not go unhandled
    w.check = () => digests;
  }
  return { close: async () => { if (own) await hasher?.close(); } };
}
