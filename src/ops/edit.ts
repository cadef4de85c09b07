/**
 * `edit`: a new image that differs from the source only in its metadata. The config is rewritten (every field not
 * changed is kept, the bytes re-serialized deterministically, an `empty_layer` history entry appended), the OCI
 * manifest is rewritten to name the new config (keeping its annotations, edited as asked), and the layers are
 * copied byte for byte, or left out (thin): same DiffIDs, same ChainIDs, so on an engine the edited image shares
 * every layer with the original.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { EditRequest } from '../image/config-edit.js';
import { diffConfigs, type ConfigDiff } from '../image/config-diff.js';
import { applyEdit, LEGACY_DROPS_ANNOTATIONS } from '../image/mutate.js';
import { manifestFor } from '../image/manifest.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import { writableFrom, type WritableImage } from '../image/writable.js';
import type { Digest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import type { ImageConfig } from '../oci/types.js';
import { destAccepts, writtenLayout, type DestSpec, type EngineTagMove } from '../transports/dest.js';
import { produce, type ImagesMade } from './produce.js';
import { storesManifest, transportEntry } from '../transports/table.js';
import { parseSourceSpec } from '../transports/spec.js';
import { DELTA_META } from './delta-meta.js';
import { deltaMeta } from './delta.js';

export interface EditOptions {
  /**
   * The time the history entry records. Default: the `created` the edit sets, else now (the CLI passes $SOURCE_DATE_EPOCH here).
   */
  now?: string;
  /** Append the `empty_layer` history entry (default true). */
  history?: boolean;
  /**
   * Check every copied layer against its digest and DiffID (default true), hashed in worker threads while the
   * main thread copies. false: the bytes are copied verbatim, only their count is checked (the fastest copy).
   */
  verify?: boolean;
}

export interface EditWriteOptions extends EditOptions {
  dest: DestSpec;
  /** docker-archive layout: legacy (Docker <= 24, default) or oci (Docker 25+). */
  layout?: 'legacy' | 'oci';
  /** Write no layer files (legacy docker-archive or docker-daemon:): loads on an engine that holds the original's layers. */
  thin?: boolean;
  onLayer?: (bytes: number) => void;
}

export interface EditImageIds {
  tags: string[];
  imageId: Digest;
  /** The manifest's digest, when there is one (a stored manifest, or one written); null otherwise. */
  manifestDigest: Digest | null;
}

export interface EditReport {
  schema: 'stowage.edit/v1';
  source: string;
  dryRun: boolean;
  before: EditImageIds;
  after: EditImageIds;
  /** What changed, one line each (the same words as the history entry). */
  changes: string[];
  /** Field by field: config paths (`config.Labels["a"]`, `history[7]`) and `manifest.annotations[...]`. */
  diff: { path: string; before: unknown; after: unknown }[];
  warnings: string[];
  /** The layers, unchanged: the same before and after. */
  diffIds: Digest[];
  written: {
    dest: string;
    format: string;
    layout: 'legacy' | 'oci' | null;
    thin: boolean;
    layersWritten: number;
    layerBytes: number;
    bytes: number;
    /** For docker-daemon:, each tag the load set and the image it named before (null: a new tag). */
    tagged: EngineTagMove[] | null;
  } | null;
}

export interface EditPlan {
  /** The edited image, ready for writeImages. */
  image: WritableImage;
  report: EditReport;
}

const plain = (d: ConfigDiff) => ({ path: d.path, before: d.before ?? null, after: d.after ?? null });

/** Computes the edited image without writing anything. */
export async function planEdit(src: ImageSource, img: SourceImage, req: EditRequest, opts: EditOptions = {}): Promise<EditPlan> {
  const source = writableFrom(src, img, opts.verify === false ? { verify: false } : {});
  // The stored manifest is kept, naming the new config; none when the source has none and nothing needs one (the
  // writer then builds it from the config and layers).
  const doc = img.manifest?.origin === 'archive' ? (JSON.parse(img.manifest.bytes.toString('utf8')) as Record<string, unknown>) : undefined;
  const baseAnnotations = doc && isRecord(doc.annotations) ? (doc.annotations as Record<string, string>) : undefined;
  const edited = await applyEdit(source, req, {
    // The raw JSON (already validated when the source was read): every field is kept exactly as it was.
    config: JSON.parse(img.config.bytes.toString('utf8')) as ImageConfig,
    sourceTags: img.tags,
    ...(doc ? { stored: { doc, mediaType: img.manifest!.mediaType } } : {}),
    ...(baseAnnotations ? { baseAnnotations } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.history === false ? { history: false } : {}),
    canReadLayers: src.seekable,
  });
  const { image } = edited;
  const diff = diffConfigs(edited.before, edited.after).map(plain);
  for (const d of diffConfigs(edited.annotations.before, edited.annotations.after, 'manifest.annotations')) diff.push(plain(d));
  const report: EditReport = {
    schema: 'stowage.edit/v1',
    source: src.spec,
    dryRun: true,
    before: { tags: img.tags, imageId: img.config.digest, manifestDigest: img.manifest?.origin === 'archive' ? img.manifest.digest : null },
    after: { tags: image.tags, imageId: image.configDigest, manifestDigest: image.manifest?.digest ?? null },
    changes: edited.changes,
    diff,
    warnings: edited.warnings,
    diffIds: img.layers.map((l) => l.diffId),
    written: null,
  };
  return { image, report };
}

/** Whether a destination is a file or a directory here (not an engine or a registry). */
const isLocal = (dest: DestSpec) => ['file', 'dir'].includes(destAccepts(dest).shape);

/** Refuses an output that is the source itself (the same path, or another name for the same file). */
export async function refuseSameOutput(sourceText: string, dest: DestSpec): Promise<void> {
  if (!isLocal(dest) || dest.path === '-') return;
  // An OCI layout takes the edited image as a new entry beside the source (oci-layout/add.ts): only the same tag
  // would replace the source, and that is refused below like any other overwrite.
  if (destAccepts(dest).addsEntries && dest.tag !== undefined && parseSourceSpec(sourceText).ref !== dest.tag) return;
  const spec = parseSourceSpec(sourceText);
  // Only a source that is a path can be overwritten (not standard input, an engine or a registry).
  const from = transportEntry(spec.transport);
  if (from.namesReference || from.source.stream) return;
  let same = resolve(spec.path) === resolve(dest.path);
  if (!same) {
    try {
      const [a, b] = await Promise.all([stat(spec.path), stat(dest.path)]);
      same = a.dev === b.dev && a.ino === b.ino;
    } catch { /* the output does not exist yet */ }
  }
  if (same) throw new UsageError(`${dest.text}: is the source itself; write the edited image to another name`);
}

/** Plans the edit and writes the result to `opts.dest`. */
export async function edit(src: ImageSource, img: SourceImage, req: EditRequest, opts: EditWriteOptions): Promise<EditReport> {
  return produce(await makeEdit(src, img, req, opts));
}

/** The edited image, ready for the write pipeline (`produce`), and how the write completes the report. */
export async function makeEdit(src: ImageSource, img: SourceImage, req: EditRequest, opts: EditWriteOptions): Promise<ImagesMade<EditReport>> {
  const { dest } = opts;
  // Thin: the Docker 25+ layout by default, which loads thin on both image stores (see ops/delta.ts); the legacy
  // layout loads thin on the classic store only. An OCI layout or archive must hold every blob.
  const layout = opts.layout ?? (opts.thin ? 'oci' : 'legacy');
  const accepts = destAccepts(dest);
  // The CLI says these in its own words (cli/output-options.ts); a library caller hears them here.
  if (opts.thin && !accepts.thin) throw new UsageError(`${dest.text}: takes no thin image (it must hold every blob); a thin image goes to a docker-archive or an engine`);
  if (dest.tag && req.tags) throw new UsageError(`${dest.text}: names a tag, and the edit request sets tags too: give one of them`);
  await refuseSameOutput(src.spec, dest);
  const { image, report } = await planEdit(src, img, req, opts);
  const noManifest = !storesManifest(accepts, layout);
  if (noManifest && req.annotations.length) {
    report.warnings.push(LEGACY_DROPS_ANNOTATIONS);
  }
  return {
    images: [image],
    dest,
    write: {
      layout,
      ...(opts.thin ? { include: () => false, extraFiles: { [DELTA_META]: thinMeta(src, img, image) } } : {}),
      ...(opts.onLayer ? { onLayer: opts.onLayer } : {}),
      ...(opts.verify === false ? { verify: false } : {}),
    },
    report: (r) => {
      report.dryRun = false;
      if (dest.tag) report.after.tags = [dest.tag];
      // writeImages learnt every layer digest (ensureDigests) for the formats that store a manifest.
      report.after.manifestDigest = noManifest || !isLocal(dest) ? null : manifestFor(image).digest;
      report.written = {
        dest: dest.text,
        format: dest.kind,
        layout: writtenLayout(dest, layout),
        thin: !!opts.thin,
        layersWritten: r.layersWritten,
        layerBytes: r.layerBytes,
        bytes: r.bytes,
        tagged: r.tagged ?? null,
      };
      if (!report.changes.length && report.before.imageId === report.after.imageId && !req.tags) {
        report.warnings.push('nothing changed: the output holds the same image');
      }
      return report;
    },
  };
}

/** stowage-delta.json of a thin edit: every layer is left out, provided by the source image. */
function thinMeta(src: ImageSource, img: SourceImage, image: WritableImage): Buffer {
  const from = img.tags[0] ?? `${src.spec} (${img.config.digest.slice(0, 19)}…)`;
  const meta = deltaMeta([{ tags: image.tags, imageId: image.configDigest, layers: [] }],
    img.layers.map((l) => ({ chainId: l.chainId, diffId: l.diffId, size: l.storedSize ?? l.descriptor?.size ?? 0, providedBy: [from] })));
  return Buffer.from(JSON.stringify(meta, null, 2) + '\n');
}
