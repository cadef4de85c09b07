/**
 * A layer stowage makes (squash, import): an uncompressed tar written to a temporary file (in $STOWAGE_TMPDIR or the
 * system's) while it is hashed, so its DiffID is known when the writer needs it and no second pass reads it. The
 * file is removed by `remove()`, and on exit whatever happens.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import { TMP_HINT, fsError } from '../fs/fs-errors.js';
import { tempDir } from '../fs/temp.js';
import { Writable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import { TarWriter } from '../tar/writer.js';
import type { WritableLayer } from './writable.js';

export interface NewLayer {
  file: string;
  diffId: Digest;
  size: number;
  /** The layer as writers take it: stored uncompressed, so its blob digest is its DiffID. */
  writable(): WritableLayer;
  remove(): Promise<void>;
}

/** Runs `fill` on a TarWriter over a new temporary layer file, finishes the tar, and returns the layer. */
export async function writeNewLayer<T>(fill: (w: TarWriter) => Promise<T>): Promise<{ layer: NewLayer; result: T }> {
  const { dir, remove } = await tempDir('stowage-layer-');
  const file = join(dir, 'layer.tar');
  try {
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(file, { highWaterMark: 1 << 20 });
    const hashing = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        if (out.write(chunk)) cb();
        else out.once('drain', () => cb());
      },
      final(cb) {
        out.end((e?: Error | null) => cb(e ? (fsError(e, `temporary folder ${dir}`, TMP_HINT) as Error) : undefined));
      },
    });
    // A full temporary folder is the temporary folder's fault, said so, not a short read of the input.
    out.on('error', (e) => hashing.destroy(fsError(e, `temporary folder ${dir}`, TMP_HINT) as Error));
    const w = new TarWriter(hashing);
    const result = await fill(w);
    await w.finish();
    await new Promise<void>((resolve, reject) => {
      hashing.once('error', reject);
      hashing.end(() => resolve());
    });
    const onDisk = (await stat(file)).size;
    if (onDisk !== size) throw new StowageError(`temporary folder ${dir}: no space left on the device (${onDisk} of the new layer's ${size} bytes written); ${TMP_HINT}`);
    const diffId = `sha256:${hash.digest('hex')}` as Digest;
    const layer: NewLayer = {
      file,
      diffId,
      size,
      writable: () => ({
        diffId,
        size,
        compression: 'none',
        digest: diffId,
        open: () => createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>,
      }),
      remove,
    };
    return { layer, result };
  } catch (e) {
    await remove();
    throw e;
  }
}
