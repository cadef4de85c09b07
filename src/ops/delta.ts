/**
 * delta: a thin `docker save` archive holding only the layers a target lacks, which a plain `docker load` takes on
 * every engine holding the rest. By default it is in the Docker 25+ layout (an OCI layout plus manifest.json), the
 * one both image stores load thin:
 * - the classic store (dockerd 20.10, Docker 28 by default) follows manifest.json, which lists every layer, and
 *   looks up each layer stack's ChainID before it opens the file;
 * - the containerd store (Docker 29's default) follows index.json to each manifest, and takes a layer the archive
 *   lacks from its content store by the blob digest the manifest names. So a left-out layer is named by the blob
 *   the target stores: its DiffID for a base loaded from a `docker save`, the registry's gzip blob for a pulled one.
 * The legacy layout (`<v1id>/layer.tar`) loads thin on the classic store only. Several targets share their layers.
 * This module works on seekable sources (files, layouts, a spooled engine export); delta-stream.ts does the same
 * in one pass over a stream.
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import { layerTypeCompression, OCI_LAYER } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import type { ImageSource, LayerRecord } from '../image/model.js';
import { writableFrom, type WritableImage } from '../image/writable.js';
import { destAccepts, parseDestSpec } from '../transports/dest.js';
import { produce, type ImagesMade } from './produce.js';
import { DELTA_META, type DeltaMeta, type DeltaRequirement } from './delta-meta.js';
import type { HaveSet } from './have.js';

export interface DeltaLayerPlan {
  index: number;
  diffId: Digest;
  chainId: Digest;
  size: number;
  included: boolean;
  providedBy: string[];
  /** For a layer left out of a Docker 25+ layout: the blob its manifest names (what the target stores). */
  blob?: Descriptor;
}

export type DeltaLayout = 'oci' | 'legacy';

export interface DeltaReport {
  schema: 'stowage.delta/v1';
  output: string;
  /** 'oci': the Docker 25+ layout every engine loads thin; 'legacy': Docker <= 24's, thin on the classic store only. */
  layout: DeltaLayout;
  images: { tags: string[]; imageId: Digest; layers: DeltaLayerPlan[] }[];
  /** Distinct layers written, and their bytes. */
  included: { layers: number; bytes: number };
  /** Distinct layers left out (the target has them), and their bytes. */
  omitted: { layers: number; bytes: number };
  /** Size of the thin archive written (null when streamed to an engine). */
  archiveBytes: number | null;
  /** Size a full docker save of the same images would have, estimated from the layers (tar headers included). */
  fullBytes: number;
  /** True when the target held every layer already: the archive carries configs and tags only. */
  nothingMissing: boolean;
}

/** Tar overhead of one layer directory in a legacy docker save: headers for dir, VERSION, json, layer.tar. */
const LAYER_DIR_OVERHEAD = 4 * 512 + 2 * 512;

export function planDelta(targets: { tags: string[]; imageId: Digest; layers: { diffId: Digest; chainId: Digest; size: number }[] }[], have: HaveSet): DeltaReport['images'] {
  return targets.map((t) => ({
    tags: t.tags,
    imageId: t.imageId,
    layers: t.layers.map((l, index) => ({
      index, diffId: l.diffId, chainId: l.chainId, size: l.size,
      included: !have.has(l.chainId), providedBy: have.providers(l.chainId),
    })),
  }));
}

/** Sums distinct layers (a layer shared by several targets counts once). */
export function summarize(images: DeltaReport['images']): Pick<DeltaReport, 'included' | 'omitted' | 'nothingMissing'> & { requires: DeltaRequirement[]; layerBytes: number } {
  const seen = new Map<Digest, DeltaLayerPlan>();
  for (const img of images) for (const l of img.layers) if (!seen.has(l.chainId)) seen.set(l.chainId, l);
  const all = [...seen.values()];
  const inc = all.filter((l) => l.included);
  const out = all.filter((l) => !l.included);
  return {
    included: { layers: inc.length, bytes: inc.reduce((a, l) => a + l.size, 0) },
    omitted: { layers: out.length, bytes: out.reduce((a, l) => a + l.size, 0) },
    nothingMissing: inc.length === 0,
    requires: out.map((l) => ({ chainId: l.chainId, diffId: l.diffId, size: l.size, providedBy: l.providedBy })),
    layerBytes: all.reduce((a, l) => a + l.size + LAYER_DIR_OVERHEAD, 0),
  };
}

export function deltaMeta(images: DeltaReport['images'], requires: DeltaRequirement[]): DeltaMeta {
  return {
    schema: 'stowage.delta/v1',
    created: new Date().toISOString(),
    images: images.map((i) => ({ tags: i.tags, imageId: i.imageId })),
    requires,
  };
}

/**
 * The blob a thin manifest names for a layer the target holds: the one a record of the target names; else the
 * uncompressed tar (what a `docker load` of a `docker save` stores, and all a classic store ever exports); else the
 * target source's own compressed blob (a base pulled from the same registry).
 */
export function blobForLeftOut(have: HaveSet, l: { chainId: Digest; diffId: Digest; compression?: string; storedSize?: number; descriptor?: Descriptor; present?: boolean }): Descriptor | undefined {
  const held = have.blobFor(l.chainId);
  if (held) return held;
  if (l.compression === 'none' && l.storedSize !== undefined) return { mediaType: OCI_LAYER, digest: l.diffId, size: l.storedSize };
  if (l.descriptor && layerTypeCompression(l.descriptor.mediaType) === 'none') return { mediaType: l.descriptor.mediaType, digest: l.diffId, size: l.descriptor.size };
  return l.descriptor;
}

/** Names a left-out layer in the writable image by the blob the target holds (so the manifest names that blob). */
function nameLeftOut(w: WritableImage, i: number, l: LayerRecord, blob: Descriptor): void {
  const c = layerTypeCompression(blob.mediaType) ?? 'none';
  const { open: _o, locate: _l, check: _c, ...rest } = w.layers[i]!;
  w.layers[i] = { ...rest, digest: blob.digest, size: blob.size, compression: c, descriptor: blob };
  // The source's manifest named another blob: a new manifest is built from the layers.
  if (w.manifest && l.descriptor?.digest !== blob.digest) delete w.manifest;
}

/** Writes the thin archive for every image of the (seekable) target sources. */
export async function writeDelta(targets: ImageSource[], have: HaveSet, output: string, onLayer?: (n: number) => void, opts: { verify?: boolean; layout?: DeltaLayout } = {}): Promise<DeltaReport> {
  return produce(makeDelta(targets, have, output, onLayer, opts));
}

/** The thin archive's images (the layers the target lacks, and the names of the others), for the pipeline (`produce`). */
export function makeDelta(targets: ImageSource[], have: HaveSet, output: string, onLayer?: (n: number) => void, opts: { verify?: boolean; layout?: DeltaLayout } = {}): ImagesMade<DeltaReport> {
  const layout = opts.layout ?? 'oci';
  const writables: WritableImage[] = [];
  const plans: DeltaReport['images'] = [];
  for (const src of targets) {
    for (const img of src.images) {
      const missing = img.layers.filter((l) => !l.present && !have.has(l.chainId));
      if (missing.length) {
        const l = missing[0]!;
        throw new StowageError(`${src.spec}: layer ${l.index + 1} of ${img.tags[0] ?? img.config.digest} is not in the source, and the target does not have it either (ChainID ${l.chainId})`);
      }
      // --no-verify: the layers are copied as they are (docker load still checks every DiffID on the target).
      const w = writableFrom(src, img, opts.verify === false ? { verify: false } : {});
      const [plan] = planDelta([{
        tags: img.tags, imageId: img.config.digest,
        layers: img.layers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, size: l.storedSize ?? l.descriptor?.size ?? 0 })),
      }], have);
      if (layout === 'oci') {
        for (const [i, l] of img.layers.entries()) {
          if (plan!.layers[i]!.included) continue;
          const blob = blobForLeftOut(have, l);
          if (!blob) throw new StowageError(`${src.spec}: layer ${i + 1} of ${img.tags[0] ?? img.config.digest}: no blob digest is known for it (the target holds it, but neither the target's record nor the source names its blob); use --layout legacy for a classic engine`);
          plan!.layers[i]!.blob = blob;
          nameLeftOut(w, i, l, blob);
        }
      }
      writables.push(w);
      plans.push(plan!);
    }
  }
  if (writables.length === 0) throw new StowageError('no target images');
  const sum = summarize(plans);
  const meta = deltaMeta(plans, sum.requires);
  const dest = parseDestSpec(output, 'docker-archive');
  if (!destAccepts(dest).thin) {
    throw new StowageError(`${output}: a delta is a docker save archive; write it to a file, - or docker-daemon:`);
  }
  return {
    images: writables,
    dest,
    write: {
      layout,
      include: (_img, _i, chainId) => !have.has(chainId),
      extraFiles: { [DELTA_META]: Buffer.from(JSON.stringify(meta, null, 2) + '\n') },
      ...(onLayer ? { onLayer } : {}),
    },
    report: (r) => ({
      schema: 'stowage.delta/v1',
      output,
      layout,
      images: plans,
      included: sum.included,
      omitted: sum.omitted,
      archiveBytes: destAccepts(dest).shape === 'engine' ? null : r.bytes,
      fullBytes: r.bytes + sum.omitted.bytes + sum.omitted.layers * LAYER_DIR_OVERHEAD,
      nothingMissing: sum.nothingMissing,
    }),
  };
}
