/**
 * One verifying stream: bytes pass through as they are, hashed and counted, and after the last one they are held
 * against what was expected (a size, a blob digest or a DiffID). A mismatch throws one line naming what was read, so
 * every reader and writer that checks bytes says it the same way and none writes the comparison itself. Like
 * go-containerregistry's verify readers, the check happens at the end: a consumer must not commit before the stream
 * has ended without an error.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';

export interface Expected {
  /** Names what is read, for messages ("oci:app:1: layer 2/3 (blobs/sha256/...)"). */
  what: string;
  /** The digest the bytes must hash to. */
  digest?: Digest;
  /** What `digest` is: a blob's digest (default) or a layer's DiffID (the digest of its uncompressed tar). */
  names?: 'blob' | 'DiffID';
  /** The number of bytes there must be. */
  size?: number;
  /** What a digest mismatch means, in words, when the caller knows better than "bytes hash to" (a patch). */
  says?: (seen: Digest) => string;
  /** What any mismatch means, added to the message ("the recipe does not reproduce the blob"). */
  meaning?: string;
}

/** What a stream held: its digest and its size. */
export interface Seen {
  digest: Digest;
  size: number;
}

/** The one-line complaints, shared with checks that get their digests elsewhere (worker threads). */
export function mismatch(want: Expected, seen: Partial<Seen>): string | undefined {
  const bad = plainMismatch(want, seen);
  return bad && want.meaning ? `${bad}: ${want.meaning}` : bad;
}

function plainMismatch(want: Expected, seen: Partial<Seen>): string | undefined {
  if (want.size !== undefined && seen.size !== undefined && seen.size !== want.size) {
    return seen.size > want.size && seen.digest === undefined ? `${want.what}: more than the ${want.size} bytes expected` : `${want.what}: ${seen.size} bytes where ${want.size} were expected`;
  }
  if (want.digest && seen.digest && seen.digest !== want.digest) {
    if (want.says) return want.says(seen.digest);
    return want.names === 'DiffID' ? `${want.what}: DiffID is ${seen.digest}, but the config says ${want.digest}` : `${want.what}: bytes hash to ${seen.digest}, expected ${want.digest}`;
  }
  return undefined;
}

/** Yields `input` unchanged, then checks it against `want`; `onEnd` hears what it held (after a passing check). */
export async function* verified(input: AsyncIterable<Buffer>, want: Expected, onEnd?: (seen: Seen) => void): AsyncGenerator<Buffer> {
  const h = createHash('sha256');
  let n = 0;
  for await (const c of input) {
    h.update(c);
    n += c.length;
    // Too long is known at once: a consumer that counts (an upload's content-length) must not see the excess first.
    if (want.size !== undefined && n > want.size) throw new StowageError(mismatch(want, { size: n })!);
    yield c;
  }
  const seen: Seen = { digest: `sha256:${h.digest('hex')}` as Digest, size: n };
  const bad = mismatch(want, seen);
  if (bad) throw new StowageError(bad);
  onEnd?.(seen);
}

/** Counts a stream and checks only its size (its digest is checked by whoever else reads it). */
export async function* counted(input: AsyncIterable<Buffer>, want: Expected): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of input) {
    n += c.length;
    yield c;
  }
  const bad = mismatch({ what: want.what, ...(want.size !== undefined ? { size: want.size } : {}) }, { size: n });
  if (bad) throw new StowageError(bad);
}

/** The digest and size of a whole stream. */
export async function digestOf(input: AsyncIterable<Buffer>): Promise<Seen> {
  let seen: Seen | undefined;
  for await (const _ of verified(input, { what: '' }, (s) => { seen = s; })) { /* hashed as it passes */ }
  return seen!;
}
