/**
 * inspect: every identity of every image in a source, each with where it comes from. Reads the small documents
 * and the first block of each layer (to tell its compression); never the layer bytes.
 */
import { shortId, type Digest } from '../oci/digest.js';
import { formatPlatform } from '../oci/platform.js';
import type { ImageSource, LayerRecord, SourceImage } from '../image/model.js';
import { runConfig, type RunConfig } from './run-config.js';

export interface InspectLayer {
  index: number;
  diffId: Digest;
  chainId: Digest;
  /** The blob as stored: digest where known (from a manifest, or equal to the DiffID when stored uncompressed). */
  blob: { digest: Digest | null; mediaType: string | null; size: number | null; digestSource: 'manifest' | 'uncompressed' | null };
  compression: string | null;
  present: boolean;
  path: string | null;
  linkedTo: string | null;
  v1: { dir: string | null; computed: string | null; matchesMoby: boolean | null } | null;
  history: { created: string | null; createdBy: string | null; comment: string | null } | null;
}

export interface InspectImage {
  tags: string[];
  imageId: Digest;
  shortId: string;
  /**
   * The ID the engine that wrote or serves the image shows, when that is not imageId: the containerd image store
   * names an image by its manifest (or index) digest. Null on the classic store and for files of no engine.
   */
  engineId: { store: 'containerd'; id: Digest; shortId: string } | null;
  manifest: { digest: Digest; mediaType: string; origin: 'archive' | 'synthesized'; note: string | null } | null;
  manifestMissing: string | null;
  platform: string;
  created: string | null;
  config: { path: string | null; size: number };
  /** How a container of the image starts: Entrypoint, Cmd, Env, ports, volumes, labels... (Docker's names). */
  runConfig: RunConfig;
  layers: InspectLayer[];
  totalStoredSize: number | null;
}

export interface InspectReport {
  schema: 'stowage.inspect/v1';
  source: string;
  format: string;
  flavor: string;
  warnings: string[];
  images: InspectImage[];
}

function inspectLayer(l: LayerRecord): InspectLayer {
  let blob: InspectLayer['blob'] = { digest: null, mediaType: null, size: l.storedSize ?? null, digestSource: null };
  if (l.descriptor) {
    blob = { digest: l.descriptor.digest, mediaType: l.descriptor.mediaType, size: l.descriptor.size, digestSource: 'manifest' };
  } else if (l.present && l.compression === 'none') {
    blob = { digest: l.diffId, mediaType: null, size: l.storedSize ?? null, digestSource: 'uncompressed' };
  }
  return {
    index: l.index,
    diffId: l.diffId,
    chainId: l.chainId,
    blob,
    compression: l.compression ?? null,
    present: l.present,
    path: l.path ?? null,
    linkedTo: l.linkedTo ?? null,
    v1: l.v1Dir || l.v1Computed
      ? { dir: l.v1Dir ?? null, computed: l.v1Computed?.slice(7) ?? null, matchesMoby: l.v1Dir ? l.v1Dir === l.v1Computed?.slice(7) : null }
      : null,
    history: l.history
      ? { created: l.history.created ?? null, createdBy: l.history.created_by ?? null, comment: l.history.comment ?? null }
      : null,
  };
}

export function inspectImage(img: SourceImage, store?: ImageSource['store']): InspectImage {
  const layers = img.layers.map(inspectLayer);
  const sizes = layers.map((l) => l.blob.size);
  const engine = store === 'containerd' ? img.parentIndex ?? img.manifest?.digest : undefined;
  return {
    tags: img.tags,
    imageId: img.config.digest,
    shortId: shortId(img.config.digest),
    engineId: engine ? { store: 'containerd', id: engine, shortId: shortId(engine) } : null,
    manifest: img.manifest
      ? { digest: img.manifest.digest, mediaType: img.manifest.mediaType, origin: img.manifest.origin, note: img.manifest.note ?? null }
      : null,
    manifestMissing: img.manifestMissing ?? null,
    platform: formatPlatform(img.platform),
    created: typeof img.config.parsed.created === 'string' ? img.config.parsed.created : null,
    config: { path: img.config.path ?? null, size: img.config.bytes.length },
    runConfig: runConfig(img.config.parsed),
    layers,
    totalStoredSize: sizes.every((s) => s !== null) ? sizes.reduce((a, b) => a! + b!, 0) : null,
  };
}

export function inspect(src: ImageSource): InspectReport {
  return {
    schema: 'stowage.inspect/v1',
    source: src.spec,
    format: src.format,
    flavor: src.flavor,
    warnings: src.warnings,
    images: src.images.map((i) => inspectImage(i, src.store)),
  };
}
