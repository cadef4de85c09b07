/**
 * Where a patch delta or bundle is read from: one file, standard input, or numbered parts (files, folders of them,
 * or parts one after another on standard input; docs/parts-format.md). Parts are checked before a byte of their
 * payload is used (missing, duplicated, foreign, truncated parts are named by number), each part's checksum at its
 * end, and the bundle's index against the set id every part carries (an index altered and re-checksummed fails).
 */
import { StreamByteSource } from '../tar/bytesource.js';
import { readPatchDelta, readPatchDeltaFrom, type PatchDelta } from './read-delta.js';
import { openPartSet } from '../parts/part-set.js';
import { readPartStream } from '../parts/part-stream.js';
import { arePartSources } from '../parts/sniff.js';
import type { Digest } from '../oci/digest.js';
import { StowageError } from '../errors.js';

export async function readDeltaInput(inputs: string[]): Promise<PatchDelta & { parts?: number }> {
  if (!(await arePartSources(inputs))) return readPatchDelta(inputs[0]!);
  if (inputs[0] === '-') {
    let setId: Digest | undefined;
    let count = 0;
    const payload = readPartStream(process.stdin, { onPart: (h) => { setId ??= h.setId as Digest; count = h.count; } });
    const d = await readPatchDeltaFrom(new StreamByteSource(payload), 'standard input (parts)', { indexDigest: () => setId });
    return { ...d, parts: count };
  }
  const set = await openPartSet(inputs);
  const src = new StreamByteSource(set.payload());
  try {
    // Read in place afterwards: the blobs stay in the part files, proved at the offsets they lie at (no temporary
    // copy of the bundle); the set closes with the delta.
    const inPlace = { open: async (start: number, end: number) => set.byteSource(start, end), close: () => set.close() };
    const d = await readPatchDeltaFrom(src, set.name, { indexDigest: set.setId as Digest, inPlace });
    return { ...d, parts: set.count };
  } catch (e) {
    try {
      if (!(e instanceof StowageError) || e.code === 'not-found') throw e;
      // A blob that fails its digest inside a part fails before that part's own checksum is reached: the part that
      // is damaged says so by number; a part altered and re-checksummed is the one holding the byte that failed.
      await set.verify();
      throw set.blame(Math.max(0, Math.min(set.total - 1, src.position - 1)), e.message);
    } finally {
      await set.close();
    }
  }
}
