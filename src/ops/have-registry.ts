/**
 * What a registry repository holds, for `delta --have`: `docker://REGISTRY/REPO` records every tag (each platform of
 * an index), `docker://REGISTRY/REPO:TAG` one. Per image: its tags, image ID, DiffIDs and the blob each layer is
 * stored as (the registry's own compressed blobs, which a thin archive or a patch delta built against it names).
 * Only manifests and configs are read, never a layer.
 */
import { StowageError, UsageError } from '../errors.js';
import { parseReference, formatReference } from '../oci/reference.js';
import type { Descriptor } from '../oci/types.js';
import { clientFor, openRegistrySource } from '../transports/registry/source.js';
import type { RegistryOptions } from '../transports/registry/options.js';
import { splitPrefix } from '../transports/spec.js';
import { HaveSet, type HaveImage } from './have.js';

export async function haveFromRegistry(text: string, opts: RegistryOptions = {}): Promise<HaveSet> {
  const p = splitPrefix(text);
  if (p?.transport !== 'docker') throw new UsageError(`${text}: not a registry reference (docker://REGISTRY/REPO[:TAG])`);
  const ref = parseReference(p.rest.replace(/^\/\//, ''));
  if (ref.digest) throw new UsageError(`${text}: have records tags; give docker://REGISTRY/REPO or docker://REGISTRY/REPO:TAG`);
  const repo = formatReference({ domain: ref.domain, path: ref.path });
  const tags = ref.tag ? [ref.tag] : await allTags(ref, opts);
  const images: HaveImage[] = [];
  for (const tag of tags) {
    const src = await openRegistrySource(`docker://${repo}:${tag}`, `${repo}:${tag}`, opts);
    try {
      for (const img of src.images) {
        images.push({
          tags: [`${repo}:${tag}`],
          imageId: img.config.digest,
          diffIds: img.layers.map((l) => l.diffId),
          blobs: img.layers.map((l): Descriptor | null => (l.descriptor ? { mediaType: l.descriptor.mediaType, digest: l.descriptor.digest, size: l.descriptor.size } : null)),
        });
      }
    } finally {
      await src.close();
    }
  }
  if (!images.length) throw new StowageError(`${text}: the repository has no tags`);
  return new HaveSet(images, [`docker://${repo}${ref.tag ? `:${ref.tag}` : ` (${tags.length} tag${tags.length === 1 ? '' : 's'})`}`]);
}

async function allTags(ref: ReturnType<typeof parseReference>, opts: RegistryOptions): Promise<string[]> {
  const client = clientFor(ref, opts);
  try {
    return await client.tags(1_000_000, 'error');
  } finally {
    await client.http.close();
  }
}
