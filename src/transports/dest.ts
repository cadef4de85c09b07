/**
 * Destinations: where commands write images. Names follow the sources' (spec.ts):
 *   PATH or docker-archive:PATH[:NAME:TAG]   a docker save archive ('-' is standard output)
 *   oci:DIR[:TAG]                            an OCI image layout (a new directory)
 *   oci-archive:PATH[:TAG]                   an OCI layout in a tar
 *   docker://REGISTRY/REPO[:TAG]             a registry (pushed; the tag moves last, so a failure changes nothing)
 * Files appear whole or not at all (a temporary name, renamed at the end).
 */
import { StowageError, UsageError } from '../errors.js';
import { openDirOutput, openOutput, outputError } from '../fs/atomic-output.js';
import { fsError, isWriteFailure } from '../fs/fs-errors.js';
import { DirSink, FdSink, TarSink } from '../fs/sink.js';
import { ensureDigests } from '../image/ensure-digests.js';
import type { WritableImage } from '../image/writable.js';
import { PassThrough } from 'node:stream';
import { writeDockerArchive, type ArchiveWriteOptions, type ArchiveWriteResult } from './docker-archive/write.js';
import { EngineClient } from './docker-daemon/client.js';
import { writeLayoutFiles } from './oci-layout/write.js';
import { addToLayout, isLayout } from './oci-layout/add.js';
import { pushImages, type PushOptions, type PushResult } from './registry/push.js';

export type DestKind = 'docker-archive' | 'oci' | 'oci-archive' | 'docker-daemon' | 'docker';

export interface DestSpec {
  kind: DestKind;
  path: string;
  /** A tag given with the destination name (replaces the images' tags; one image only). */
  tag?: string;
  text: string;
}

export function parseDestSpec(text: string, fallback: DestKind = 'docker-archive'): DestSpec {
  if (text === '-') return { kind: 'docker-archive', path: '-', text };
  const prefixes: [string, DestKind][] = [['docker-archive:', 'docker-archive'], ['oci-archive:', 'oci-archive'], ['oci:', 'oci']];
  for (const [p, kind] of prefixes) {
    if (!text.startsWith(p)) continue;
    const rest = text.slice(p.length);
    if (!rest) throw new UsageError(`${p} needs a path`);
    const i = rest.indexOf(':');
    return i === -1 ? { kind, path: rest, text } : { kind, path: rest.slice(0, i), tag: rest.slice(i + 1), text };
  }
  if (text === 'docker-daemon:' || text.startsWith('docker-daemon:')) {
    const tag = text.slice('docker-daemon:'.length);
    return tag ? { kind: 'docker-daemon', path: '', tag, text } : { kind: 'docker-daemon', path: '', text };
  }
  if (text.startsWith('docker://')) {
    const ref = text.slice('docker://'.length).replace(/^\/\//, '');
    if (!ref) throw new UsageError('docker:// needs an image reference, for example docker://registry.example.com/app:1');
    return { kind: 'docker', path: ref, text };
  }
  if (/^docker:/.test(text)) throw new UsageError('docker:// destinations are not supported by this command yet');
  return { kind: fallback, path: text, text };
}

/** A tag a load into the engine set: the image it named before (null: none) and after, as the engine reports IDs. */
export interface EngineTagMove {
  tag: string;
  before: string | null;
  after: string | null;
}

/** One line per tag: what it names now, and what it named before (so a moved tag is never a surprise). */
export function describeTagMoves(moves: EngineTagMove[]): string[] {
  const short = (id: string | null) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '?');
  return moves.map((m) =>
    m.before === null ? `tagged ${m.tag} -> ${short(m.after)} (a new tag)`
    : m.before === m.after ? `tagged ${m.tag} -> ${short(m.after)} (unchanged: it named this image already)`
    : `tagged ${m.tag} -> ${short(m.after)} (moved: it named ${short(m.before)} before, which stays in the engine)`);
}

export interface WriteOptions extends ArchiveWriteOptions {
  /** For docker:// destinations: credentials, TLS, compression, parallelism, mounts. */
  push?: PushOptions;
  /** For docker-archive destinations: the legacy layout (default) or the Docker 25+ OCI-plus-manifest.json one. */
  layout?: 'legacy' | 'oci';
  /**
   * Awaited once everything is written, before the output is committed (or the engine's load request ended): the
   * proof of the layers read (image/prove-layers.ts). A rejection abandons the output.
   */
  beforeCommit?: () => Promise<void>;
}

/** Writes images to a destination; returns what the archive writer reports. */
export async function writeImages(dest: DestSpec, images: WritableImage[], opts: WriteOptions = {}): Promise<ArchiveWriteResult & { bytes: number; push?: PushResult; tagged?: EngineTagMove[] }> {
  if (dest.kind === 'docker') {
    const r = await pushImages(dest.path, images, { ...opts.push, ...(opts.onLayer ? { onLayer: opts.onLayer } : {}) });
    return { layersWritten: r.uploaded, layerBytes: r.bytesUploaded, omitted: [], bytes: r.bytesUploaded, push: r };
  }
  if (dest.tag) {
    if (images.length !== 1) throw new UsageError(`${dest.text}: a tag in the destination name needs exactly one image (there are ${images.length})`);
    // A docker archive or an engine takes NAME:TAG as the image's tag; an OCI layout takes TAG as the ref name.
    if (dest.kind === 'docker-archive' || dest.kind === 'docker-daemon') images = [{ ...images[0]!, tags: [dest.tag] }];
  }
  const layoutOpts = {
    ...(opts.onLayer ? { onLayer: opts.onLayer } : {}),
    ...(opts.verifyDiffIds ? { verifyDiffIds: true } : {}),
    ...(dest.tag && dest.kind !== 'docker-archive' ? { refName: dest.tag } : {}),
  };
  if (dest.kind === 'docker-daemon') return loadIntoEngine(images, opts);
  if (dest.kind === 'oci') {
    await ensureDigests(images);
    if (await isLayout(dest.path)) {
      // An existing layout takes the images as new entries (a tag already there moves), as skopeo and umoci do.
      const r = await addToLayout(dest.path, images, layoutOpts);
      return { layersWritten: r.layersWritten, layerBytes: r.layerBytes, omitted: [], bytes: r.bytes };
    }
    const out = await openDirOutput(dest.path);
    try {
      const sink = new DirSink(out.dir);
      const r = await writeLayoutFiles(sink, images, layoutOpts);
      await opts.beforeCommit?.();
      await out.commit();
      return { layersWritten: r.layersWritten, layerBytes: r.layerBytes, omitted: [], bytes: sink.bytes };
    } catch (e) {
      await out.abort();
      throw isWriteFailure(e) ? fsError(e, dest.path, 'nothing written') : e;
    }
  }
  if (dest.kind === 'oci-archive' || opts.layout === 'oci') await ensureDigests(images);
  const out = await openOutput(dest.path);
  // A file is written at offsets, so layers can be copied by the copy threads; a pipe takes a stream.
  const sink = out.fd !== undefined ? new FdSink(out.fd, dest.path) : new TarSink(out.stream);
  try {
    let r: ArchiveWriteResult;
    if (dest.kind === 'oci-archive') {
      const l = await writeLayoutFiles(sink, images, layoutOpts);
      r = { layersWritten: l.layersWritten, layerBytes: l.layerBytes, omitted: [] };
    } else {
      r = await writeDockerArchive(sink, images, opts);
    }
    await opts.beforeCommit?.();
    // A file written at offsets is size-checked against what the writer wrote; a stream counts for itself.
    await out.commit(sink instanceof FdSink ? sink.bytes : undefined);
    return { ...r, bytes: sink.bytes };
  } catch (e) {
    if (sink instanceof FdSink) await sink.dispose();
    await out.abort();
    throw outputError(out, e);
  }
}

/**
 * Loads images into the Docker engine through its API (POST /images/load), streaming a docker archive straight into
 * the request: nothing is written to disk. Complete images go in the legacy layout, which every engine takes; a
 * thin one needs the Docker 25+ layout (opts.layout 'oci') on the containerd image store.
 */
async function loadIntoEngine(images: WritableImage[], opts: WriteOptions): Promise<ArchiveWriteResult & { bytes: number; loaded: string[]; tagged: EngineTagMove[] }> {
  const client = new EngineClient();
  // A load moves tags silently (docker load prints only "Loaded image"): note where each tag pointed before.
  const tags = [...new Set(images.flatMap((i) => i.tags))];
  const idOf = (t: string) => client.inspectImage(t).then((r) => r.Id ?? null, () => null);
  const before = await Promise.all(tags.map(idOf));
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const loading = client.loadImages(body);
  loading.catch(() => body.destroy());
  const sink = new TarSink(body);
  let r: ArchiveWriteResult;
  try {
    if (opts.layout === 'oci') await ensureDigests(images);
    r = await writeDockerArchive(sink, images, { ...opts, layout: opts.layout ?? 'legacy' });
    await opts.beforeCommit?.();
    body.end();
  } catch (e) {
    body.destroy(e as Error);
    await loading.catch(() => undefined);
    throw e;
  }
  const loaded = await loading;
  const after = await Promise.all(tags.map(idOf));
  const tagged = tags.map((tag, i) => ({ tag, before: before[i] ?? null, after: after[i] ?? null }));
  return { ...r, bytes: sink.bytes, loaded, tagged };
}
