/**
 * Marks where the stored bytes of an image's layers lie in real files (an archive on disk, a layout's blobs), so
 * a file output copies them on its copy threads, reading, writing and hashing in parallel (hash/copier.ts), instead
 * of streaming them through the main thread.
 */
import type { ImageSource, SourceImage } from './model.js';
import type { WritableImage } from './writable.js';

/** Sets `region` on the layers of `image` (made from `img` of `src`); `wanted(i)` limits it to layers to be copied. */
export async function attachRegions(src: ImageSource, img: SourceImage, image: WritableImage, wanted?: (i: number) => boolean): Promise<void> {
  if (!src.tree.seekable) return;
  for (const [i, w] of image.layers.entries()) {
    const path = img.layers[i]?.path;
    if (!w.open || !path || (wanted && !wanted(i))) continue;
    const region = await src.tree.region(path);
    if (region && region.size === w.size) w.region = region;
  }
}
