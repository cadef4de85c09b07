/**
 * `copy docker://A docker://B` carries what refers to each manifest it copies unchanged (issue 20 item 3): the
 * signatures and attestations found in A's repository (cosign's tags, the referrers tag scheme) are pushed into B's,
 * byte for byte, after the image. A manifest the copy changed (new digest) gets none: they sign the old digest.
 */
import type { Digest } from '../oci/digest.js';
import type { ImageSource } from '../image/model.js';
import type { PushOptions, RegistryOptions } from '../transports/registry/options.js';
import { findReferrers, sourceClient } from './referrers-find.js';
import { pushReferrersFrom } from './referrers-push.js';

/** Pushes the referrers of each kept manifest (and of the tag's own, an index kept) into `destText`'s repository. */
export async function copyReferrers(src: ImageSource, pushed: { digest: Digest; manifests: { digest: Digest; kept: boolean }[] }, destText: string, srcOpts: RegistryOptions = {}, destOpts: PushOptions = {}): Promise<string[]> {
  const client = sourceClient(src, srcOpts);
  if (!client || !src.registry) return [];
  const subjects = new Set(pushed.manifests.filter((m) => m.kept).map((m) => m.digest));
  if (pushed.digest === src.registry.digest) subjects.add(pushed.digest);
  if (!subjects.size) return [];
  const out: string[] = [];
  for (const subject of subjects) {
    const found = await findReferrers(client, subject, src.spec);
    if (!found.length) continue;
    const byBlob = new Map(found.flatMap((r) => r.blobs.map((b) => [b.digest, r] as const)));
    out.push(...await pushReferrersFrom((d) => byBlob.get(d)!.open(d), src.spec, destText, found, destOpts));
  }
  return out;
}
