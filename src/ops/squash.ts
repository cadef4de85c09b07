/**
 * `squash`: the image with some of its layers merged into one. All of them (a one-layer image), the last N, or those
 * above a base image (whose layers stay as they are: same DiffIDs, same ChainIDs, so an engine that holds the base
 * shares them). The merged layer is made by the same one-pass merge as `export` (src/layerfs/merge.ts); on a base it
 * keeps the whiteouts and opaque markers that hide base files. The config keeps every field but `rootfs.diff_ids`
 * and `history`, where the merged layers' entries become one, whose comment keeps them as JSON.
 */
import { polling } from '../image/progress.js';
import { StowageError, UsageError } from '../errors.js';
import type { EditRequest } from '../image/config-edit.js';
import { mergeInputs } from '../image/layer-tar.js';
import { applyEdit, LEGACY_DROPS_ANNOTATIONS, withLayers } from '../image/mutate.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import { writeNewLayer } from '../image/new-layer.js';
import { proofOfLayer } from '../image/proof.js';
import { writableFrom } from '../image/writable.js';
import { mergeLayers, type MergeStats } from '../layerfs/merge.js';
import type { Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { isRecord } from '../oci/json.js';
import type { HistoryEntry, ImageConfig } from '../oci/types.js';
import { destAccepts, writtenLayout, type DestSpec, type WriteResult } from '../transports/dest.js';
import { produce, type ImagesMade } from './produce.js';
import { storesManifest } from '../transports/table.js';
import { refuseSameOutput } from './edit.js';

export interface SquashOptions {
  dest: DestSpec;
  /** Keep the layers of this image (it must be the bottom of the source image) and squash the rest. */
  above?: { spec: string; image: SourceImage };
  /** Squash only the last N layers. */
  last?: number;
  /** Metadata changes and tags (the edit flags). */
  request?: EditRequest;
  layout?: 'legacy' | 'oci';
  /** Time for the history entry of edits (default: a `created` change, else now; the CLI passes $SOURCE_DATE_EPOCH here). */
  now?: string;
  onProgress?: (bytes: number) => void;
  /** false (--no-verify): the layers read are not proved against their DiffIDs and descriptors. */
  verify?: boolean;
}

export interface SquashReport {
  schema: 'stowage.squash/v1';
  source: string;
  before: { tags: string[]; imageId: Digest; layers: number };
  after: { tags: string[]; imageId: Digest; layers: number; diffIds: Digest[]; chainIds: Digest[] };
  /** Layers kept as they are (the base), counted from the bottom. */
  kept: number;
  squashed: { count: number; diffId: Digest; size: number; entries: MergeStats };
  changes: string[];
  warnings: string[];
  written: { dest: string; format: string; layout: 'legacy' | 'oci' | null; bytes: number };
}

/** How many bottom layers stay: 0, the base's count (checked by ChainID), or all but the last N. */
export function keptLayers(img: SourceImage, opts: Pick<SquashOptions, 'above' | 'last'>): number {
  const n = img.layers.length;
  // The CLI says these in its own words first (cli/commands/squash.ts); a library caller hears them here.
  if (opts.above && opts.last !== undefined) throw new UsageError('squash takes a base (above) or a count of layers (last), not both');
  if (opts.last !== undefined) {
    if (!Number.isInteger(opts.last) || opts.last < 1) throw new UsageError(`squash: the count of layers to merge must be a whole number, at least 1 (not ${opts.last})`);
    if (opts.last > n) throw new UsageError(`squash: cannot merge the last ${opts.last} layers: the image has ${n} layer${n === 1 ? '' : 's'}`);
    return n - opts.last;
  }
  if (opts.above) {
    const base = opts.above.image.layers;
    const what = opts.above.spec;
    for (let i = 0; i < Math.min(base.length, n); i++) {
      if (base[i]!.chainId !== img.layers[i]!.chainId) {
        throw new StowageError(`${what}: is not the base of the image: their layers differ from layer ${i + 1} (ChainID ${base[i]!.chainId.slice(0, 19)}… vs ${img.layers[i]!.chainId.slice(0, 19)}…)`);
      }
    }
    // Every layer matched up to the shorter of the two, so one stacks on the other.
    const image = img.tags[0] ?? 'the image';
    if (base.length > n) {
      throw new StowageError(`${what}: is built on ${image} (it has ${base.length} layers, ${image} ${n}), not below it: --above wants the base, the image with fewer layers (swapped?)`);
    }
    if (base.length === n) throw new StowageError(`${what}: has the same ${n} layers as ${image}: nothing above it to squash`);
    return base.length;
  }
  if (n === 0) throw new StowageError('the image has no layers');
  return 0;
}

/**
 * The history with the entries of layers kept+1..n folded into `entry`; empty_layer entries between them fold too,
 * those before the first squashed layer and after the last stay. Undefined when the history cannot be mapped.
 */
export function squashHistory(history: HistoryEntry[], n: number, kept: number): { history: HistoryEntry[]; folded: HistoryEntry[] } | undefined {
  const idx: number[] = [];
  history.forEach((h, i) => { if (!h.empty_layer) idx.push(i); });
  if (idx.length !== n) return undefined;
  const first = idx[kept]!;
  const last = idx[n - 1]!;
  const folded = history.slice(first, last + 1);
  const made = [...folded].reverse().find((h) => h.created)?.created;
  const entry: HistoryEntry = {
    ...(made ? { created: made } : {}),
    created_by: `stowage squash: ${n - kept} layers merged into one`,
    comment: JSON.stringify(folded),
  };
  return { history: [...history.slice(0, first), entry, ...history.slice(last + 1)], folded };
}

export async function squash(src: ImageSource, img: SourceImage, opts: SquashOptions): Promise<SquashReport> {
  return produce(await makeSquash(src, img, opts));
}

/** The squashed image, ready for the write pipeline (`produce`); its merged layer's file goes when the write is over. */
export async function makeSquash(src: ImageSource, img: SourceImage, opts: SquashOptions): Promise<ImagesMade<SquashReport>> {
  const { dest } = opts;
  if (dest.tag && opts.request?.tags) throw new UsageError(`${dest.text}: names a tag, and the edit request sets tags too: give one of them`);
  await refuseSameOutput(src.spec, dest);
  const kept = keptLayers(img, opts);
  const warnings: string[] = [];
  // Every layer read (merged or kept) is proved while the merge runs; the write pipeline awaits the proof
  // (`madeFrom`) before the output is committed.
  const madeFrom = opts.verify === false ? [] : src.layers(img).flatMap((l) => proofOfLayer(src, l) ?? []);
  for (const p of madeFrom) p().catch(() => undefined); // started now, beside the merge; awaited by writeImages
  return squashMerged(src, img, opts, kept, warnings, madeFrom);
}

async function squashMerged(src: ImageSource, img: SourceImage, opts: SquashOptions, kept: number, warnings: string[], madeFrom: (() => Promise<void>)[]): Promise<ImagesMade<SquashReport>> {
  const { dest } = opts;
  const layout = opts.layout ?? 'legacy';
  const n = img.layers.length;
  const { layer, result: entries } = await writeNewLayer((w) => polling(opts.onProgress, () => w.bytes, () =>
    mergeLayers(mergeInputs(src, img, kept), w, { keepWhiteouts: kept > 0, impliedDirs: kept === 0, warn: (m) => warnings.push(m) })));
  try {
    // The raw config (validated when read): every field is kept but the layers' and history's.
    const config = JSON.parse(img.config.bytes.toString('utf8')) as ImageConfig & Record<string, unknown>;
    const diffIds = [...img.layers.slice(0, kept).map((l) => l.diffId), layer.diffId];
    config.rootfs = { ...config.rootfs, diff_ids: diffIds };
    if (Array.isArray(config.history) && config.history.length) {
      const h = squashHistory(config.history, n, kept);
      if (h) config.history = h.history;
      else {
        warnings.push(`the config's history does not match its ${n} layers; the squashed image has no history`);
        delete config.history;
      }
    }
    const source = writableFrom(src, img);
    const squashed = withLayers(source, [...source.layers.slice(0, kept), layer.writable()]);
    const stored = img.manifest?.origin === 'archive' ? (JSON.parse(img.manifest.bytes.toString('utf8')) as Record<string, unknown>) : undefined;
    const fin = await applyEdit(squashed, opts.request, {
      config,
      newConfig: true,
      sourceTags: img.tags,
      editTool: 'stowage squash',
      ...(opts.now ? { now: opts.now } : {}),
      ...(stored && isRecord(stored.annotations) ? { baseAnnotations: stored.annotations as Record<string, string> } : {}),
      canReadLayers: true,
    });
    const { image } = fin;
    warnings.push(...fin.warnings);
    if (Object.keys(fin.annotations.after).length && !storesManifest(destAccepts(dest), layout)) warnings.push(LEGACY_DROPS_ANNOTATIONS);
    const report = (r: WriteResult): SquashReport => ({
      schema: 'stowage.squash/v1',
      source: src.spec,
      before: { tags: img.tags, imageId: img.config.digest, layers: n },
      after: { tags: dest.tag ? [dest.tag] : image.tags, imageId: image.configDigest, layers: kept + 1, diffIds, chainIds: chainIds(diffIds) },
      kept,
      squashed: { count: n - kept, diffId: layer.diffId, size: layer.size, entries },
      changes: fin.changes,
      warnings,
      written: { dest: dest.text, format: dest.kind, layout: writtenLayout(dest, layout), bytes: r.bytes },
    });
    return { images: [{ ...image, madeFrom }], dest, write: { layout, ...(opts.verify === false ? { verify: false } : {}) }, report, release: () => layer.remove() };
  } catch (e) {
    await layer.remove();
    throw e;
  }
}
