/**
 * Which layers a destination repository already holds, by DiffID: its tags' manifests and configs pair each DiffID
 * with the blob that carries it. That is what lets a push skip layers whose compressed digest is unknown until they
 * are compressed (an uncompressed docker-archive) or that the source does not hold at all (a thin archive from
 * `stowage delta`): when the base image is in the repository, only the new layers are uploaded. Bounded: at most
 * `maxTags` tags are read, and only when some layer needs it.
 */
import { JSON_LIMIT } from '../../limits.js';
import type { Digest } from '../../oci/digest.js';
import { isIndexType, layerTypeCompression } from '../../oci/mediatypes.js';
import type { Descriptor } from '../../oci/types.js';
import type { RegistryClient } from './client.js';

export class DestinationLayers {
  private map?: Promise<Map<Digest, Descriptor[]>>;

  constructor(private readonly client: RegistryClient, private readonly maxTags = 50) {}

  /** A blob in the repository whose DiffID is `diffId`, preferring the given compression. */
  async find(diffId: Digest, compression?: 'none' | 'gzip' | 'zstd'): Promise<Descriptor | undefined> {
    this.map ??= this.scan();
    const found = (await this.map).get(diffId) ?? [];
    return found.find((d) => layerTypeCompression(d.mediaType) === compression) ?? (compression ? undefined : found[0]);
  }

  private async scan(): Promise<Map<Digest, Descriptor[]>> {
    const map = new Map<Digest, Descriptor[]>();
    let tags: string[];
    try {
      tags = await this.client.tags(this.maxTags);
    } catch {
      return map; // a registry that will not list tags: every layer is uploaded
    }
    const queue = [...tags];
    const worker = async () => {
      for (let tag = queue.shift(); tag !== undefined; tag = queue.shift()) {
        try {
          const m = await this.client.getManifest(tag);
          if (isIndexType(m.mediaType)) continue;
          const doc = JSON.parse(m.bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
          if (!doc.config || !Array.isArray(doc.layers)) continue;
          const chunks: Buffer[] = [];
          let n = 0;
          for await (const c of this.client.getBlob(doc.config.digest, doc.config.size)) {
            n += c.length;
            if (n > JSON_LIMIT) throw new Error('config too large');
            chunks.push(c);
          }
          const cfg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rootfs?: { diff_ids?: Digest[] } };
          const ids = cfg.rootfs?.diff_ids ?? [];
          if (ids.length !== doc.layers.length) continue;
          ids.forEach((id, i) => {
            const list = map.get(id) ?? [];
            if (!list.some((d) => d.digest === doc.layers![i]!.digest)) list.push(doc.layers![i]!);
            map.set(id, list);
          });
        } catch {
          // A tag that cannot be read tells us nothing; the push goes on without it.
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return map;
  }
}
