/**
 * Writes `docker save` archives that `docker load` takes on every engine version, podman and skopeo:
 * - 'legacy' (default): the Docker <= 24 layout, `<v1id>/layer.tar` named by moby's rule, a repeated DiffID stored
 *   once and linked, `manifest.json` and `repositories`. Layers may be left out (a thin archive): manifest.json
 *   still lists them, which is what lets the classic engine load it when it holds them.
 * - 'oci': the Docker 25+ layout, an OCI image layout plus `manifest.json` pointing into `blobs/`, readable as a
 *   docker-archive and as an oci-archive. Thin too: the manifest names a left-out layer by its blob digest, which
 *   is what the containerd image store looks up (the classic store follows manifest.json and looks up ChainIDs).
 * The small documents come first, so a one-pass reader knows every image before the layer bytes arrive.
 */
import { chainIds } from '../../oci/identities.js';
import { hexOf, type Digest } from '../../oci/digest.js';
import { parseReference, formatReference, withDefaultTag } from '../../oci/reference.js';
import { v1LayerIds } from '../../oci/v1id.js';
import { writeLayerData } from '../../image/write-layer.js';
import type { WritableImage } from '../../image/writable.js';
import type { Sink } from '../../fs/sink.js';
import { StowageError } from '../../errors.js';
import { writeLayoutFiles } from '../oci-layout/write.js';
import { withoutZstd } from '../../image/plain-layers.js';
import type { OmittedLayer, WriteOptions } from '../contract.js';

export type { OmittedLayer };

export type ArchiveWriteOptions = Pick<WriteOptions, 'layout' | 'include' | 'extraFiles' | 'onLayer'>;

export interface ArchiveWriteResult {
  layersWritten: number;
  layerBytes: number;
  omitted: OmittedLayer[];
}

/** docker's familiar tag strings (`app:latest`), checked. */
function normalTags(tags: string[]): string[] {
  return tags.map((t) => {
    try {
      return formatReference(withDefaultTag(parseReference(t)));
    } catch {
      throw new StowageError(`invalid tag ${JSON.stringify(t)} for a docker archive`);
    }
  });
}

export async function writeDockerArchive(sink: Sink, images: WritableImage[], opts: ArchiveWriteOptions = {}): Promise<ArchiveWriteResult> {
  if ((opts.layout ?? 'legacy') === 'legacy') {
    // dockerd 20.10 cannot read a zstd layer.tar: such layers go in as plain tars (same DiffIDs).
    const plain = await withoutZstd(images);
    try {
      return await writeLegacy(sink, plain.images, opts);
    } finally {
      await plain.dispose();
    }
  }
  {
    const include = opts.include;
    const r = await writeLayoutFiles(sink, images, {
      dockerManifest: true,
      thin: true,
      ...(include ? { include: (img: WritableImage, i: number) => include(img, i, chainIds(img.layers.map((l) => l.diffId))[i]!) } : {}),
      ...(opts.onLayer ? { onLayer: opts.onLayer } : {}),
      ...(opts.extraFiles ? { extraFiles: opts.extraFiles } : {}),
    });
    return { layersWritten: r.layersWritten, layerBytes: r.layerBytes, omitted: [] };
  }
}

async function writeLegacy(sink: Sink, images: WritableImage[], opts: ArchiveWriteOptions): Promise<ArchiveWriteResult> {
  const plans = images.map((img) => {
    const chains = chainIds(img.layers.map((l) => l.diffId));
    const v1 = v1LayerIds(chains, JSON.parse(img.config.toString('utf8')) as Record<string, unknown>);
    return { img, chains, v1: v1.map((id, i) => (id ? hexOf(id) : `${hexOf(chains[i]!)}`)) };
  });
  const manifest = plans.map(({ img, v1 }) => ({
    Config: `${hexOf(img.configDigest)}.json`,
    RepoTags: img.tags.length ? normalTags(img.tags) : null,
    Layers: v1.map((id) => `${id}/layer.tar`),
  }));
  const repositories: Record<string, Record<string, string>> = {};
  for (const [i, { img, v1 }] of plans.entries()) {
    for (const t of img.tags.length ? normalTags(img.tags) : []) {
      const r = parseReference(t);
      const name = formatReference({ domain: r.domain, path: r.path });
      (repositories[name] ??= {})[r.tag ?? 'latest'] = v1[v1.length - 1]!;
    }
    void i;
  }
  await sink.file('manifest.json', Buffer.from(JSON.stringify(manifest) + '\n'));
  if (Object.keys(repositories).length) await sink.file('repositories', Buffer.from(JSON.stringify(repositories) + '\n'));
  for (const [name, data] of Object.entries(opts.extraFiles ?? {})) await sink.file(name, data);
  for (const { img } of plans) {
    const name = `${hexOf(img.configDigest)}.json`;
    if (!sink.has(name)) await sink.file(name, img.config);
  }

  const result: ArchiveWriteResult = { layersWritten: 0, layerBytes: 0, omitted: [] };
  const byDiffId = new Map<Digest, string>(); // where each DiffID's bytes were written, for links
  for (const { img, chains, v1 } of plans) {
    let parent: string | undefined;
    for (const [i, layer] of img.layers.entries()) {
      const dir = v1[i]!;
      const path = `${dir}/layer.tar`;
      const include = layer.open !== undefined && (opts.include?.(img, i, chains[i]!) ?? true);
      if (sink.has(path) || sink.has(`${dir}/`)) {
        parent = dir;
        continue;
      }
      if (!include) {
        if (!result.omitted.some((o) => o.chainId === chains[i])) {
          result.omitted.push({ diffId: layer.diffId, chainId: chains[i]!, size: layer.size, image: img.tags[0] ?? img.configDigest });
        }
        parent = dir;
        continue;
      }
      await sink.dir(dir);
      await sink.file(`${dir}/VERSION`, Buffer.from('1.0'));
      await sink.file(`${dir}/json`, Buffer.from(JSON.stringify({ id: dir, ...(parent ? { parent } : {}) })));
      const earlier = byDiffId.get(layer.diffId);
      if (earlier) {
        await sink.symlink(path, `../${earlier}`);
      } else {
        await writeLayerData(sink, path, layer, `layer ${i + 1} of ${img.tags[0] ?? img.configDigest}`);
        byDiffId.set(layer.diffId, path);
        result.layersWritten++;
        result.layerBytes += layer.size;
        opts.onLayer?.(layer.size);
      }
      parent = dir;
    }
  }
  await sink.finish();
  return result;
}
