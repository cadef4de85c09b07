/**
 * Writes OCI image layouts (`oci-layout`, `index.json`, `blobs/sha256/`), into a directory or a tar (an OCI
 * archive), optionally with Docker's `manifest.json` beside them (the Docker 25+ `docker save` layout). Every blob
 * is named by its digest, so every layer's blob digest must be known before writing (see ensureDigests).
 */
import { blobPath } from '../../oci/digest.js';
import { OCI_MANIFEST } from '../../oci/mediatypes.js';
import { parseReference, repositoryName, formatReference, withDefaultTag } from '../../oci/reference.js';
import type { Descriptor } from '../../oci/types.js';
import { writeLayerData } from '../../image/write-layer.js';
import { indexJson, manifestFor, WRITER_ANNOTATION } from '../../image/manifest.js';
import type { WritableImage } from '../../image/writable.js';
import type { Sink } from '../../fs/sink.js';
import { StowageError } from '../../errors.js';
import { CONTAINERD_NAME, REF_NAME } from './read.js';

export interface LayoutWriteOptions {
  /** Also write Docker's manifest.json (the Docker 25+ docker save layout). */
  dockerManifest?: boolean;
  /** The ref name for index.json entries, as given with the destination (`oci:DIR:TAG`), instead of the tags. */
  refName?: string;
  onLayer?: (bytes: number) => void;
  /**
   * A thin archive (docker-archive destinations only): layers the source lacks, or that `include` declines, are
   * named in the manifest by their blob digest but not stored; an engine holding those blobs (or their ChainIDs, on
   * the classic store) loads it.
   */
  thin?: boolean;
  include?: (img: WritableImage, index: number) => boolean;
  /** Extra small files to store beside the layout (a thin archive's stowage-delta.json). */
  extraFiles?: Record<string, Buffer>;
}

export interface LayoutWriteResult {
  layersWritten: number;
  layerBytes: number;
  manifests: Descriptor[];
}


/** Index annotations for a tag: containerd's full name and the OCI ref name (the tag alone). */
export function tagAnnotations(tag: string): Record<string, string> {
  try {
    const r = withDefaultTag(parseReference(tag));
    return { [CONTAINERD_NAME]: `${repositoryName(r)}:${r.tag}`, [REF_NAME]: r.tag! };
  } catch {
    return { [REF_NAME]: tag }; // an OCI ref name need not be a docker reference
  }
}

export async function writeLayoutFiles(sink: Sink, images: WritableImage[], opts: LayoutWriteOptions = {}): Promise<LayoutWriteResult> {
  const result: LayoutWriteResult = { layersWritten: 0, layerBytes: 0, manifests: [] };
  const built = images.map((img) => ({ img, m: manifestFor(img) }));
  await sink.file('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  for (const { img, m } of built) {
    const base: Descriptor = { mediaType: m.mediaType || OCI_MANIFEST, digest: m.digest, size: m.bytes.length };
    if (opts.refName) result.manifests.push({ ...base, annotations: { [REF_NAME]: opts.refName } });
    else if (img.tags.length === 0) result.manifests.push(base);
    else for (const t of img.tags) result.manifests.push({ ...base, annotations: tagAnnotations(t) });
  }
  await sink.file('index.json', indexJson(result.manifests, opts.dockerManifest ? { [WRITER_ANNOTATION]: 'stowage' } : undefined));
  if (opts.dockerManifest) {
    const items = built.map(({ img, m }) => ({
      Config: blobPath(img.configDigest),
      RepoTags: img.tags.length ? img.tags.map((t) => formatReference(withDefaultTag(parseReference(t)))) : null,
      Layers: m.layers.map((d) => blobPath(d.digest)),
    }));
    await sink.file('manifest.json', Buffer.from(JSON.stringify(items) + '\n'));
  }
  for (const [name, data] of Object.entries(opts.extraFiles ?? {})) await sink.file(name, data);
  await sink.dir('blobs/sha256');
  for (const { img, m } of built) {
    if (!sink.has(blobPath(m.digest))) await sink.file(blobPath(m.digest), m.bytes);
    if (!sink.has(blobPath(img.configDigest))) await sink.file(blobPath(img.configDigest), img.config);
  }
  const jobs: (() => Promise<void>)[] = [];
  const queued = new Set<string>();
  for (const { img, m } of built) {
    for (const [i, layer] of img.layers.entries()) {
      const d = m.layers[i]!;
      const name = blobPath(d.digest);
      if (sink.has(name) || queued.has(name)) continue;
      if (opts.thin && (!layer.open || opts.include?.(img, i) === false)) continue;
      if (!layer.open) throw new StowageError(`layer ${i + 1} of ${img.tags[0] ?? img.configDigest} is not in the source; an OCI layout needs every blob`);
      queued.add(name);
      jobs.push(async () => {
        await writeLayerData(sink, name, { ...layer, digest: d.digest }, `layer ${i + 1} of ${img.tags[0] ?? img.configDigest}`);
        result.layersWritten++;
        result.layerBytes += layer.size;
        opts.onLayer?.(layer.size);
      });
    }
  }
  // A directory takes blobs side by side (each its own file): downloads and hashes overlap. A tar takes one at a time.
  await runLimited(jobs, sink.concurrent ?? 1);
  await sink.finish();
  return result;
}

/** Runs the jobs, at most `limit` at a time; the first failure stops new jobs and is thrown once the others end. */
async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (next < jobs.length && failed === undefined) {
      const job = jobs[next++]!;
      try {
        await job();
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, lane));
  if (failed !== undefined) throw failed;
}
