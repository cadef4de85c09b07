/**
 * copy: the transport-agnostic pipeline behind `stowage copy`, `push` and `pull`. Opens any source (file, layout,
 * registry), picks the images (one platform, or every platform of an index with allPlatforms), and writes them to
 * any destination; a registry destination gets blob mounts from a source repository on the same registry and the
 * source's index when every image in it is copied unchanged.
 */
import { trackProgress } from '../image/progress.js';
import { StowageError } from '../errors.js';
import { sha256, type Digest } from '../oci/digest.js';
import { copyReferrers } from './referrers-copy.js';
import { attached, findIndexArtifacts } from './index-artifacts.js';
import { formatPlatform, type Platform } from '../oci/platform.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import { writableFrom } from '../image/writable.js';
import { destAccepts, parseDestSpec, type DestKind, type EngineTagMove, type WriteResult } from '../transports/dest.js';
import { produce, type ImagesMade } from './produce.js';
import { defaultDestKind } from '../transports/table.js';
import { filterPlatform, openSource, pickOne } from '../transports/open.js';
import type { RegistryOptions } from '../transports/registry/options.js';
import type { PushOptions } from '../transports/registry/options.js';

export interface CopyOptions {
  /** Only images of this platform. */
  platform?: Platform;
  /** Every image of an index (to a registry: pushed as an index). Without it, a registry source gives one image. */
  allPlatforms?: boolean;
  /** The format of a destination given as a bare path (default: the source's; docker-archive for a registry). */
  format?: DestKind;
  /** A docker-archive layout was asked for: a bare path is then a docker archive whatever the source's format. */
  layoutGiven?: boolean;
  /** docker-archive layout. */
  layout?: 'legacy' | 'oci';
  /** Settings for a docker:// source. */
  source?: RegistryOptions;
  /** Settings for a docker:// destination. */
  push?: PushOptions;
  /** Bytes done of the total, as layers are read and written. */
  onProgress?: (done: number, total: number, layers: { done: number; total: number }) => void;
  /** false (--no-verify): layers are not proved against their DiffIDs and descriptors (their digests still are). */
  verify?: boolean;
}

export interface CopyReport {
  schema: 'stowage.copy/v1';
  source: string;
  dest: string;
  images: { tags: string[]; imageId: Digest; platform: string }[];
  /** Layers written (to a registry: uploaded) and their bytes. */
  layersWritten: number;
  bytes: number;
  /** For a docker-daemon: destination, each tag the load set and the image it named before (null: a new tag). */
  tagged: EngineTagMove[] | null;
  /** For a registry destination: what the tag points to and what each blob took. */
  registry: null | {
    reference: string;
    digest: Digest;
    mediaType: string;
    manifests: { digest: Digest; mediaType: string; size: number; kept: boolean }[];
    uploaded: number;
    mounted: number;
    existing: number;
    bytesUploaded: number;
  };
  /** Issue 20 item 3: the signatures and referrers pushed beside the image (registry to registry). */
  referrers?: string[];
  seconds: number;
}

/** The images to copy: a registry source or destination takes one platform unless every one was asked for. */
function choose(src: ImageSource, toRegistry: boolean, opts: CopyOptions): SourceImage[] {
  let images = src.images;
  if (opts.platform) images = filterPlatform(images, opts.platform);
  if (opts.allPlatforms || images.length <= 1) return images;
  // A registry reference names one manifest or index: its images are platforms, one of which is copied.
  if (toRegistry || src.registry) {
    const distinct = new Set(images.map((i) => formatPlatform(i.platform)));
    if (toRegistry && distinct.size !== images.length) {
      throw new StowageError(`${src.spec}: holds ${images.length} images; a registry tag takes one (pick it with PATH:NAME:TAG, PATH:@N or --platform) or an index of distinct platforms (--all-platforms)`);
    }
    return [pickOne({ ...src, images }, opts.platform)];
  }
  return images;
}

/** The index the images came from, byte for byte, when they all came from the same one. */
export async function sourceIndex(src: ImageSource, images: SourceImage[]): Promise<{ bytes: Buffer; mediaType: string } | undefined> {
  if (src.registry?.index) return { bytes: src.registry.index, mediaType: src.registry.mediaType };
  const parents = new Set(images.map((i) => i.parentIndex));
  const parent = [...parents][0];
  if (parents.size !== 1 || !parent) return undefined;
  const bytes = await (await src.blob(parent))?.read(16 << 20);
  if (!bytes || sha256(bytes) !== parent) return undefined;
  const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string };
  return { bytes, mediaType: doc.mediaType ?? 'application/vnd.oci.image.index.v1+json' };
}

export async function copyImages(sourceText: string, destText: string, opts: CopyOptions = {}): Promise<CopyReport> {
  const started = process.hrtime.bigint();
  const src = await openSource(sourceText, { seekable: true, ...(opts.source ? { registry: opts.source } : {}) });
  try {
    return await produce(await makeCopy(src, sourceText, destText, opts, started));
  } finally {
    await src.close();
  }
}

/** The images a copy writes (each layer checked as writableFrom says), for the write pipeline (`produce`). */
export async function makeCopy(src: ImageSource, sourceText: string, destText: string, opts: CopyOptions = {}, started = process.hrtime.bigint()): Promise<ImagesMade<CopyReport>> {
  const fallback: DestKind = opts.format ?? defaultDestKind(src.format, destText, opts.layoutGiven);
  const dest = parseDestSpec(destText, fallback);
  const toRegistry = destAccepts(dest).shape === 'registry';
  const images = choose(src, toRegistry, opts);
  const push: PushOptions = { ...opts.push };
  if (toRegistry) {
    if (src.registry) push.mountFrom = { host: src.registry.host, repository: src.registry.repository };
    // From a registry, an uncompressed layer is the registry's own blob: it goes as it is unless a compression is asked.
    if (src.registry && push.compression === undefined && !push.recompress) push.keepUncompressed = true;
    if (images.length > 1) push.platforms = images.map((i) => i.platform);
    // The source's index goes as it was when it lists exactly these images, one image too (push.ts keeps it then).
    if (images.length > 1 || src.registry?.index) {
      const index = await sourceIndex(src, images);
      // Issue 20: with the attestation manifests it lists beside the images, so it is kept (upstream's digest).
      const extra = index ? await findIndexArtifacts(src, index.bytes, images) : undefined;
      if (index) push.index = extra && 'found' in extra && extra.found.length ? { ...index, attached: extra.found.map((a) => attached(a, a.open)) } : index;
    }
  }
  // How each copied layer is checked (a registry blob's stream checks itself) is writableFrom's rule.
  const writables = images.map((i) => writableFrom(src, i, opts.verify === false ? { verify: false } : {}));
  const progress = trackProgress(writables, (d, t, l) => opts.onProgress?.(d, t, l));
  const write = {
    layout: opts.layout ?? 'legacy',
    onLayer: (n: number) => progress.onLayer(n),
    push,
    ...(opts.verify === false ? { verify: false } : {}),
  } as const;
  const report = async (r: WriteResult): Promise<CopyReport> => ({
    schema: 'stowage.copy/v1',
    source: sourceText,
    dest: destText,
    images: images.map((i) => ({ tags: i.tags, imageId: i.config.digest, platform: formatPlatform(i.platform) })),
    layersWritten: r.layersWritten,
    bytes: r.bytes,
    tagged: r.tagged ?? null,
    registry: r.push
      ? {
          reference: r.push.reference,
          digest: r.push.digest,
          mediaType: r.push.mediaType,
          manifests: r.push.manifests,
          uploaded: r.push.uploaded,
          mounted: r.push.mounted,
          existing: r.push.existing,
          bytesUploaded: r.push.bytesUploaded,
        }
      : null,
    // Issue 20 item 3: signatures and attestations of each manifest copied unchanged go with it.
    ...(r.push && src.registry ? { referrers: await copyReferrers(src, r.push, destText, opts.source, opts.push) } : {}),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  });
  return { images: writables, dest, write, report };
}
