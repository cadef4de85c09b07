/**
 * Uncompressed copies of zstd layers, for the legacy `docker save` layout: dockerd 20.10 cannot read a zstd
 * `layer.tar` (its loader knows gzip, bzip2 and xz), while a plain tar loads on every engine and keeps the DiffID
 * (the blob digest of an uncompressed layer is its DiffID). Each layer is decompressed once into a temporary file,
 * its DiffID checked on the way, and the copy stands in for it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { decompress } from '../compress/decompress.js';
import { StowageError } from '../errors.js';
import { tempDir } from '../fs/temp.js';
import type { Digest } from '../oci/digest.js';
import type { WritableImage, WritableLayer } from './writable.js';
import { writeChunks } from '../fs/write-chunks.js';

export interface PlainCopies {
  images: WritableImage[];
  /** Removes the temporary files. */
  dispose(): Promise<void>;
}

export async function withoutZstd(images: WritableImage[]): Promise<PlainCopies> {
  if (!images.some((img) => img.layers.some((l) => l.compression === 'zstd' && l.open))) return { images, dispose: async () => {} };
  const tmp = await tempDir('stowage-plain-');
  const done = new Map<Digest, WritableLayer>();
  try {
    const out: WritableImage[] = [];
    for (const img of images) {
      const layers: WritableLayer[] = [];
      for (const [i, l] of img.layers.entries()) {
        if (l.compression !== 'zstd' || !l.open) {
          layers.push(l);
          continue;
        }
        let plain = done.get(l.diffId);
        if (!plain) {
          const file = join(tmp.dir, String(done.size));
          const what = `layer ${i + 1} of ${img.tags[0] ?? img.configDigest}`;
          const h = createHash('sha256');
          const size = await writeChunks(file, decompress('zstd', l.open(), what), { onChunk: (c) => h.update(c) });
          const diffId: Digest = `sha256:${h.digest('hex')}`;
          if (diffId !== l.diffId) throw new StowageError(`${what}: its content hashes to ${diffId}, but the config says ${l.diffId}`, { code: 'tampered' });
          plain = {
            diffId, size, compression: 'none', digest: diffId,
            open: () => createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>,
            locate: async () => ({ file, offset: 0, size }),
          };
          done.set(l.diffId, plain);
        }
        layers.push(plain);
      }
      // The manifest named the zstd blobs: a new one follows the plain layers.
      const { manifest: _m, ...rest } = img;
      out.push({ ...rest, layers });
    }
    return { images: out, dispose: () => tmp.remove() };
  } catch (e) {
    await tmp.remove();
    throw e;
  }
}
