/**
 * Reads a region of a file (a layer inside an archive, a blob in a layout) in large chunks, with the next chunk's
 * read already under way while the consumer writes the current one. Copying a layer is then bound by the slower of
 * reading and writing, not their sum; a stream of 1 MiB chunks spends about as long waiting as copying.
 */
import { open } from 'node:fs/promises';
import { TruncatedError } from '../errors.js';
import type { FileRegion } from './tree.js';

export const REGION_CHUNK = 8 << 20;

export async function* readRegion(r: FileRegion, chunk = REGION_CHUNK): AsyncGenerator<Buffer> {
  if (r.size === 0) return;
  const fh = await open(r.file, 'r');
  let pos = 0;
  // A fresh buffer per chunk: the consumer (a write stream) may still hold the previous one.
  const next = async (): Promise<Buffer> => {
    const n = Math.min(chunk, r.size - pos);
    const at = r.offset + pos;
    pos += n;
    const b = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(b, got, n - got, at + got);
      if (bytesRead === 0) throw new TruncatedError(r.file);
      got += bytesRead;
    }
    return b;
  };
  let pending: Promise<Buffer> | undefined = next();
  try {
    while (pending) {
      const b: Buffer = await pending;
      pending = pos < r.size ? next() : undefined;
      yield b;
    }
  } finally {
    // The consumer may stop early (an error downstream): let the read under way finish before closing.
    await pending?.catch(() => undefined);
    await fh.close();
  }
}
