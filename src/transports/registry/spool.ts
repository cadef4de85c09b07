/**
 * A blob written to a temporary file first, hashed as it is written, so its digest is known before it is sent
 * (push's `spoolCompressed`): the caller asks the registry whether it holds that digest, and sends the file only
 * if not. The file is removed when the work is done, whatever happens.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { TMP_HINT, fsError, isWriteFailure } from '../../fs/fs-errors.js';
import { tempDir } from '../../fs/temp.js';
import { writeChunks } from '../../fs/write-chunks.js';
import { createHash } from 'node:crypto';
import type { Digest } from '../../oci/digest.js';

export interface Spooled { digest: Digest; size: number; open: () => AsyncIterable<Buffer> }

export async function withSpooled<T>(bytes: AsyncIterable<Buffer>, what: string, work: (s: Spooled) => Promise<T>): Promise<T> {
  const tmp = await tempDir('stowage-push-');
  try {
    const file = join(tmp.dir, 'blob');
    const h = createHash('sha256');
    let size: number;
    try {
      size = await writeChunks(file, bytes, { onChunk: (c) => h.update(c) });
    } catch (e) {
      throw isWriteFailure(e) ? fsError(e, `temporary folder ${tmp.dir} (${what})`, TMP_HINT) : e;
    }
    return await work({ digest: `sha256:${h.digest('hex')}`, size, open: () => createReadStream(file) });
  } finally {
    await tmp.remove();
  }
}
