/** --part-size: a bundle written as numbered parts for media (src/parts/). */
import type { Digest } from '../../oci/digest.js';
import type { DeltaSink } from '../../ops/patch-delta.js';
import { UsageError } from '../../errors.js';

export function partSink(output: string, size: string): (total: number, setId: Digest) => Promise<DeltaSink & { files(): string[] }> {
  void output; void size;
  return async () => { throw new UsageError('--part-size: parts are not built yet'); };
}
