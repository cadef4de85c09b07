/**
 * Copying layer bytes while hashing them: every byte a writer copies is checked on the way (its blob digest
 * against the expected one, and for an uncompressed layer its DiffID), so a bad source never yields a plausible
 * output. No second pass over the data.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { decompress } from '../compress/decompress.js';
import { digestOf, mismatch } from '../hash/verified.js';
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { WritableLayer } from './writable.js';

/**
 * Yields the layer's stored bytes while hashing them; after the last chunk, checks the digest and size. Throws (so
 * the output is abandoned) on any mismatch. `layer.check` may move the hashing to worker threads (the digests are
 * then awaited and checked here) or, when the caller or the source vouches for the bytes, skip it. With
 * `layer.diffIdInStream` (set by the write pipeline), a compressed layer's DiffID is checked too, decompressed on the
 * side (an uncompressed layer's always is). `reuse`: the consumer is done with each chunk when it asks for the next
 * (WritableLayer.open); passed on unless the side decompressor keeps chunks queued.
 */
export async function* hashingCopy(layer: WritableLayer, what: string, reuse = false): AsyncGenerator<Buffer> {
  if (!layer.open) throw new StowageError(`${what}: the source does not hold this layer`);
  // layer.check: hash here (default), take digests computed in parallel elsewhere, or count bytes only.
  const h = layer.check === undefined ? createHash('sha256') : undefined;
  const side = layer.diffIdInStream && layer.compression !== 'none' ? diffIdOnTheSide(layer, what) : undefined;
  // Digests computed elsewhere start now, so they run while this copy does.
  const elsewhere = typeof layer.check === 'function' ? layer.check() : undefined;
  elsewhere?.catch(() => undefined); // awaited below; an early failure must not go unhandled
  let n = 0;
  let ended = false;
  try {
    for await (const c of layer.open(reuse && !side ? { reuse } : undefined)) {
      h?.update(c);
      n += c.length;
      if (side) await side.push(c);
      yield c;
    }
    ended = true;
  } finally {
    // A failure, or a reader that stopped early (an upload attempt retried from a fresh read): the side
    // decompressor has nothing more coming.
    if (!ended) side?.abort();
  }
  if (side) {
    const bad = mismatch({ what, digest: layer.diffId, names: 'DiffID' }, { digest: await side.end() });
    if (bad) throw new StowageError(bad);
  }
  if (layer.check === 'size' || layer.check === 'source') {
    checkCopied(layer, what, layer.diffId, n, undefined, true);
    return;
  }
  const theirs = elsewhere ? await elsewhere : undefined;
  const digest = theirs ? theirs.digest : (`sha256:${h!.digest('hex')}` as Digest);
  checkCopied(layer, what, digest, n, theirs?.diffId);
}

/**
 * The checks every copy of a layer ends with: the byte count, the DiffID (for an uncompressed layer, the bytes'
 * digest; for a compressed one, when it was computed), and the blob digest a manifest or name promised.
 */
export function checkCopied(layer: WritableLayer, what: string, digest: Digest, size: number, diffIdSeen?: Digest, sizeOnly = false): void {
  const complain = (bad: string | undefined) => { if (bad) throw new StowageError(bad); };
  complain(mismatch({ what, size: layer.size }, { size }));
  if (sizeOnly) return;
  // The DiffID first: for an uncompressed layer it is the bytes' digest, and the config is what names it.
  const diffId = layer.compression === 'none' ? digest : diffIdSeen;
  if (diffId) complain(mismatch({ what, digest: layer.diffId, names: 'DiffID' }, { digest: diffId }));
  if (layer.digest) complain(mismatch({ what, digest: layer.digest }, { digest }));
}

/** Decompresses a copy of the bytes as they pass and hashes the result: the DiffID, without a second read. */
function diffIdOnTheSide(layer: WritableLayer, what: string): { push(c: Buffer): Promise<void>; end(): Promise<Digest>; abort(): void } {
  const pt = new PassThrough({ highWaterMark: 4 << 20 });
  const result = digestOf(decompress(layer.compression, pt as AsyncIterable<Buffer>, what)).then((s) => s.digest);
  // A failure is surfaced by end(), after the copy: a blob that is not its digest is the more basic fault, and the
  // stream's own check (a registry's) says so first.
  let failed = false;
  result.catch(() => { failed = true; });
  return {
    push: async (c) => {
      if (failed) return;
      // Wait for the decompressor to catch up, unless it fails (then drain never comes).
      if (!pt.write(c)) await Promise.race([new Promise<void>((r) => pt.once('drain', () => r())), result.then(() => undefined, () => undefined)]);
    },
    end: async () => {
      pt.end();
      return result;
    },
    abort: () => pt.destroy(),
  };
}
