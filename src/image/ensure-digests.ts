/**
 * Formats that name blobs by digest (OCI layouts) need every layer's blob digest before writing. Most sources
 * know them (a manifest, or uncompressed layers whose digest is the DiffID); for the rest (compressed layers in a
 * docker-archive without a manifest) this hashes the stored bytes once, ahead of the copy.
 */
import { digestOf } from '../hash/verified.js';
import type { Digest } from '../oci/digest.js';
import type { WritableImage } from './writable.js';

export async function ensureDigests(images: WritableImage[]): Promise<void> {
  const done = new Map<string, Digest>();
  for (const img of images) {
    for (const l of img.layers) {
      if (l.digest || !l.open) continue;
      const key = `${l.diffId}/${l.size}/${l.compression}`;
      let d = done.get(key);
      if (!d) {
        d = (await digestOf(l.open())).digest;
        done.set(key, d);
      }
      l.digest = d;
    }
  }
}
