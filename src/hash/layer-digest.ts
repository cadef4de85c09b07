/**
 * Hashing a layer in one pass over its stored bytes: the blob (compressed) digest of the bytes as stored, and the
 * DiffID of the uncompressed tar. For an uncompressed layer the two are the same hash, computed once.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import { decompress } from '../compress/decompress.js';
import { SNIFF_BYTES, describeCompression, sniff, type Compression } from '../compress/detect.js';

export interface LayerDigests {
  /** sha256 of the bytes as stored: the blob digest a manifest names. */
  digest: Digest;
  size: number;
  compression: Compression;
  /** sha256 of the uncompressed tar. */
  diffId: Digest;
  diffSize: number;
}

/** Splits a stream into its first `n` bytes (or all of it, if shorter) and the rest, without copying the rest. */
export async function peek(input: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) { ended = true; break; }
    got.push(r.value);
    len += r.value.length;
  }
  const all = got.length === 1 ? got[0]! : Buffer.concat(got);
  async function* rest() {
    if (all.length) yield all;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: all.subarray(0, Math.min(n, all.length)), rest: rest() };
}

export async function digestLayer(input: AsyncIterable<Buffer>, what: string): Promise<LayerDigests> {
  const { head, rest } = await peek(input, SNIFF_BYTES);
  const kind = sniff(head);
  if (kind !== 'none' && kind !== 'gzip' && kind !== 'zstd') {
    throw new StowageError(`${what}: layer is ${describeCompression(kind)}`);
  }
  const raw = createHash('sha256');
  let size = 0;
  if (kind === 'none') {
    for await (const c of rest) {
      raw.update(c);
      size += c.length;
    }
    const d = `sha256:${raw.digest('hex')}` as Digest;
    return { digest: d, size, compression: 'none', diffId: d, diffSize: size };
  }
  async function* tap(): AsyncGenerator<Buffer> {
    for await (const c of rest) {
      raw.update(c);
      size += c.length;
      yield c;
    }
  }
  const diff = createHash('sha256');
  let diffSize = 0;
  for await (const c of decompress(kind, tap(), what)) {
    diff.update(c);
    diffSize += c.length;
  }
  return {
    digest: `sha256:${raw.digest('hex')}`,
    size,
    compression: kind,
    diffId: `sha256:${diff.digest('hex')}`,
    diffSize,
  };
}
