/**
 * Copying layer bytes while hashing them: every byte a writer copies is checked on the way (its blob digest
 * against the expected one, and for an uncompressed layer its DiffID), so a bad source never yields a plausible
 * output. No second pass over the data.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { WritableLayer } from './writable.js';

export interface CopiedLayer {
  digest: Digest;
  size: number;
}

/**
 * Yields the layer's stored bytes while hashing them; after the last chunk, checks the digest and size and calls
 * `done` with them. Throws (so the output is abandoned) on any mismatch.
 */
export async function* hashingCopy(layer: WritableLayer, what: string, done?: (c: CopiedLayer) => void): AsyncGenerator<Buffer> {
  if (!layer.open) throw new StowageError(`${what}: the source does not hold this layer`);
  const h = createHash('sha256');
  let n = 0;
  for await (const c of layer.open()) {
    h.update(c);
    n += c.length;
    yield c;
  }
  const digest = `sha256:${h.digest('hex')}` as Digest;
  if (n !== layer.size) throw new StowageError(`${what}: ${n} bytes where ${layer.size} were expected`);
  if (layer.digest && digest !== layer.digest) throw new StowageError(`${what}: bytes hash to ${digest}, expected ${layer.digest}`);
  if (layer.compression === 'none' && digest !== layer.diffId) {
    throw new StowageError(`${what}: DiffID is ${digest}, but the config says ${layer.diffId}`);
  }
  done?.({ digest, size: n });
}
