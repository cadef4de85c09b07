/**
 * A patch delta (`delta --patch`) or a bundle (`stowage bundle`, one file or its parts) opened as an image source:
 * the images it rebuilds, with their configs and (for exact images) upstream's manifests, and the layers it ships
 * whole. The other layers are made at the destination from a base (`stowage apply`), so they read as absent, with
 * that reason. The delta itself, proved blob by blob as it was read, travels with the source for the operations
 * that work on deltas as such (apply, inspect, verify, check, report): `patchDeltaOf`.
 */
import { blobPath } from '../../oci/digest.js';
import { ociLayerType } from '../../oci/mediatypes.js';
import { parseConfig, parseManifest } from '../../oci/types.js';
import { baseLayerRecords } from '../../image/layers.js';
import type { ImageSource, SourceImage } from '../../image/model.js';
import type { Sniffed } from '../../compress/detect.js';
import type { PatchDelta } from '../../patch/read-delta.js';
import { readDeltaInput } from '../../patch/delta-input.js';
import { treeAccess } from '../tree-layers.js';
import { DeltaTree } from './tree.js';

export type OpenedDelta = PatchDelta & { parts?: number };

const deltas = new WeakMap<ImageSource, OpenedDelta>();

/** The patch delta a source was opened from, if it is one. */
export function patchDeltaOf(src: ImageSource): OpenedDelta | undefined {
  return deltas.get(src);
}

const REBUILT = 'a patch delta ships it as a patch, or not at all: stowage apply makes it from a base';

/** Opens a delta file, a bundle's parts (files or folders, any order) or standard input (`-`). */
export async function openPatchDeltaSource(inputs: string[], text: string): Promise<ImageSource> {
  const delta = await readDeltaInput(inputs);
  try {
    const byChain = new Map(delta.index.layers.map((l) => [l.chainId, l]));
    const images: SourceImage[] = [];
    for (const [position, img] of delta.index.images.entries()) {
      const what = `${delta.what}: image ${img.tags[0] ?? position + 1}`;
      const bytes = await delta.bytes(img.config.digest);
      const config = parseConfig(bytes, `${what}: config`);
      const layers = baseLayerRecords(config).map((r) => {
        const l = byChain.get(r.chainId);
        const whole = l?.how === 'whole' ? l.whole : undefined;
        if (!whole) return { ...r, absentBecause: REBUILT };
        const compression = whole.compression as Sniffed;
        const mediaType = ociLayerType(compression === 'gzip' || compression === 'zstd' ? compression : 'none');
        return { ...r, present: true, path: blobPath(whole.digest), storedSize: whole.size, compression, descriptor: { mediaType, digest: whole.digest, size: whole.size } };
      });
      const platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
      const image: SourceImage = { position, tags: img.tags, config: { bytes, digest: img.config.digest, parsed: config }, platform, layers };
      if (img.manifest) {
        const m = await delta.bytes(img.manifest.digest);
        image.manifest = { bytes: m, digest: img.manifest.digest, mediaType: img.manifest.mediaType, parsed: parseManifest(m, `${what}: manifest`), origin: 'archive', path: blobPath(img.manifest.digest) };
      } else {
        image.manifestMissing = 'the delta carries upstream\'s manifest only for an image it rebuilds exact';
      }
      images.push(image);
    }
    const access = treeAccess(new DeltaTree(delta), text);
    const kind = delta.index.sites?.length ? 'bundle' : 'patch delta';
    const src: ImageSource = {
      spec: text,
      format: 'patch-delta',
      flavor: `a stowage ${kind}${delta.parts ? ` in ${delta.parts} parts` : ''}`,
      ...access,
      images,
      warnings: [],
    };
    deltas.set(src, delta);
    return src;
  } catch (e) {
    await delta.close();
    throw e;
  }
}
