/**
 * delta: a thin `docker save` archive holding only the layers a target lacks. Its manifest.json lists every layer
 * of every image (the engine needs one entry per DiffID), but only the layer files whose ChainID the target does
 * not hold are in it: on a classic engine holding the rest, a plain `docker load` takes it, because the engine
 * looks up each layer stack's ChainID before it opens the file. Several targets share their layers.
 * This module works on seekable sources (files, layouts, a spooled engine export); delta-stream.ts does the same
 * in one pass over a stream.
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { ImageSource } from '../image/model.js';
import { writableFrom, type WritableImage } from '../image/writable.js';
import { parseDestSpec, writeImages } from '../transports/dest.js';
import { DELTA_META, type DeltaMeta, type DeltaRequirement } from './delta-meta.js';
import type { HaveSet } from './have.js';

export interface DeltaLayerPlan {
  index: number;
  diffId: Digest;
  chainId: Digest;
  size: number;
  included: boolean;
  providedBy: string[];
}

export interface DeltaReport {
  schema: 'stowage.delta/v1';
  output: string;
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

/** Writes the thin archive for every image of the (seekable) target sources. */
export async function writeDelta(targets: ImageSource[], have: HaveSet, output: string, onLayer?: (n: number) => void, opts: { verify?: boolean } = {}): Promise<DeltaReport> {
  const writables: WritableImage[] = [];
  const plans: DeltaReport['images'] = [];
  return write();
  async function write(): Promise<DeltaReport> {
  for (const src of targets) {
    for (const img of src.images) {
      const missing = img.layers.filter((l) => !l.present && !have.has(l.chainId));
      if (missing.length) {
        const l = missing[0]!;
        throw new StowageError(`${src.spec}: layer ${l.index + 1} of ${img.tags[0] ?? img.config.digest} is not in the source, and the target does not have it either (ChainID ${l.chainId})`);
      }
      const w = writableFrom(src, img);
      // --no-verify: the layers are copied as they are (docker load still checks every DiffID on the target).
      if (opts.verify === false) for (const l of w.layers) l.check = 'size';
      writables.push(w);
      plans.push(...planDelta([{
        tags: img.tags, imageId: img.config.digest,
        layers: img.layers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, size: l.storedSize ?? l.descriptor?.size ?? 0 })),
      }], have));
    }
  }
  if (writables.length === 0) throw new StowageError('no target images');
  const sum = summarize(plans);
  const meta = deltaMeta(plans, sum.requires);
  const dest = parseDestSpec(output, 'docker-archive');
  if (dest.kind !== 'docker-archive' && dest.kind !== 'docker-daemon') {
    throw new StowageError(`${output}: a delta is a docker save archive; write it to a file, - or docker-daemon:`);
  }
  const r = await writeImages(dest, writables, {
    layout: 'legacy',
    include: (_img, _i, chainId) => !have.has(chainId),
    extraFiles: { [DELTA_META]: Buffer.from(JSON.stringify(meta, null, 2) + '\n') },
    ...(onLayer ? { onLayer } : {}),
  });
  return {
    schema: 'stowage.delta/v1',
    output,
    images: plans,
    included: sum.included,
    omitted: sum.omitted,
    archiveBytes: dest.kind === 'docker-daemon' ? null : r.bytes,
    fullBytes: r.bytes + sum.omitted.bytes + sum.omitted.layers * LAYER_DIR_OVERHEAD,
    nothingMissing: sum.nothingMissing,
  };
  }
}
