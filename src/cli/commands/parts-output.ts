/** --part-size: a bundle written as numbered parts for media (src/parts/), all appearing at the commit. */
import type { Digest } from '../../oci/digest.js';
import type { DeltaSink } from '../../ops/patch-delta.js';
import { openPartOutput } from '../../parts/writer.js';
import { parsePartSize } from '../../parts/size.js';

export function partSink(output: string, size: string): (total: number, setId: Digest) => Promise<DeltaSink & { files(): string[] }> {
  const partSize = parsePartSize(size);
  return async (total, setId) => {
    const out = await openPartOutput(output, { partSize, total, setId });
    return { stream: out.stream, commit: () => out.commit(), abort: () => out.abort(), files: () => [...out.files] };
  };
}
