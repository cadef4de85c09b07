/**
 * The test tree's one image builder: images from layers (build-layer.ts), written as a docker archive in either
 * layout `docker save` writes (Docker <= 24's legacy `<v1id>/layer.tar`, Docker 25+'s OCI layout with manifest.json),
 * in the flat `<digest>.tar` naming skopeo writes, as an OCI layout or an OCI archive (images or
 * indexes of images), with OCI or Docker schema 2 manifests. Every digest is computed here with node:crypto from the
 * bytes written, so a test compares what stowage reports with these, never with what stowage computed. Pushing to a
 * registry is push-image.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainIds } from '../../src/oci/identities.js';
import { v1LayerIds } from '../../src/oci/v1id.js';
import type { Digest } from '../../src/oci/digest.js';
import { dir, file, layerOf, sha, symlink, writeTar, type BuiltLayer, type Compression, type LayerEntry, type Storage } from './build-layer.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const REF_NAME = 'org.opencontainers.image.ref.name';

const LAYER_TYPES: Record<'oci' | 'docker', Record<Compression, string>> = {
  oci: { none: 'application/vnd.oci.image.layer.v1.tar', gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' },
  docker: { none: 'application/vnd.docker.image.rootfs.diff.tar', gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip', zstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd' },
};

export interface ImageOptions {
  /** Repository tags (`repo:tag`) a docker archive names it by. */
  tags?: string[];
  /** Config fields, after `architecture` and `os` (which they may replace) and before `rootfs`. */
  config?: Record<string, unknown>;
  /** One history entry per layer (default `layer N` at 2024-01-01), or none. */
  history?: ((i: number) => Record<string, unknown>) | false;
  /** The config's bytes as given (a config that lies about its layers); the layers' DiffIDs then are not checked. */
  configBytes?: Buffer;
}

export interface BuiltImage {
  layers: BuiltLayer[];
  config: Buffer;
  /** The config's digest. */
  imageId: string;
  diffIds: string[];
  chainIds: string[];
  tags: string[];
  /** os/architecture[/variant] from the config. */
  platform: { architecture: string; os: string; variant?: string };
}

/** An image of `layers` (bottom first): the config names their DiffIDs. */
export function buildImage(layers: BuiltLayer[], o: ImageOptions = {}): BuiltImage {
  const diffIds = layers.map((l) => l.diffId);
  const history = o.history ?? ((i: number) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i + 1}` }));
  const value: Record<string, any> = {
    architecture: 'amd64', os: 'linux', ...(o.config ?? {}),
    rootfs: { type: 'layers', diff_ids: diffIds },
    ...(history ? { history: layers.map((_, i) => history(i)) } : {}),
  };
  const config = o.configBytes ?? Buffer.from(JSON.stringify(value));
  const shown = o.configBytes ? JSON.parse(o.configBytes.toString('utf8')) : value;
  return {
    layers, config, imageId: sha(config), diffIds, chainIds: chainIds(diffIds as Digest[]), tags: o.tags ?? [],
    platform: { architecture: shown.architecture, os: shown.os, ...(shown.variant ? { variant: shown.variant } : {}) },
  };
}

export interface ManifestOptions {
  /** OCI media types (default) or Docker schema 2's, as `docker push` writes. */
  kind?: 'oci' | 'docker';
  annotations?: Record<string, string>;
  /** JSON.stringify's indent (a manifest's digest is kept only when its bytes are). */
  indent?: number;
}

export interface BuiltManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

/** The image's manifest: Docker's key order (mediaType, size, digest) for Docker ones, OCI's (mediaType, digest, size). */
export function manifestOf(img: BuiltImage, o: ManifestOptions = {}): BuiltManifest {
  const kind = o.kind ?? 'oci';
  const desc = (mediaType: string, b: Buffer) => (kind === 'docker' ? { mediaType, size: b.length, digest: sha(b) } : { mediaType, digest: sha(b), size: b.length });
  const mediaType = kind === 'docker' ? DOCKER_MANIFEST : OCI_MANIFEST;
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType,
    config: desc(kind === 'docker' ? DOCKER_CONFIG : OCI_CONFIG, img.config),
    layers: img.layers.map((l) => desc(LAYER_TYPES[kind][l.compression], l.blob)),
    ...(o.annotations ? { annotations: o.annotations } : {}),
  }, null, o.indent));
  return { bytes, digest: sha(bytes), mediaType };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const hex = (d: string) => d.slice(7);
const splitTag = (t: string) => [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)] as const;

// ---------------------------------------------------------------------------------------------------------------
// Docker archives

export interface DockerArchiveOptions {
  /**
   * `flat` (default): `<blob hex>.tar` layers (`.tar.gz`, `.tar.zst` when stored compressed), `<image id>.json`,
   * manifest.json, as skopeo writes. `legacy`: Docker 20.10-24's `docker save`, `<v1id>/` with
   * VERSION, json and layer.tar, a layer already written for an earlier image stored as a symlink to it, and
   * `repositories`. `docker25`: Docker 25+'s, an OCI layout plus manifest.json (and, from the classic store,
   * `repositories` and LayerSources).
   */
  layout?: 'flat' | 'legacy' | 'docker25';
  /** docker25: which image store wrote it (the containerd store writes no `repositories`, no LayerSources). */
  store?: 'classic' | 'containerd';
  /** flat: manifest.json and the config before the layers (a docker archive read as a stream finds them first). */
  manifestFirst?: boolean;
  /** flat: leave these layers (by index, every image) out of the archive while manifest.json lists them: thin. */
  omit?: number[];
  /** Entry times (default 0). */
  mtime?: number;
}

export interface LegacyFacts {
  v1Ids: string[];
  layerPaths: string[];
  /** The layer.tar a symlinked layer points to, or null. */
  linkedTo: (string | null)[];
}

/** Writes a docker archive of `images`; returns, for the legacy layout, each image's v1 IDs and layer paths. */
export async function writeDockerArchive(path: string, images: BuiltImage[], o: DockerArchiveOptions = {}): Promise<LegacyFacts[]> {
  const layout = o.layout ?? 'flat';
  if (layout === 'legacy') {
    const { entries, facts } = legacyEntries(images);
    await writeTar(path, entries, o);
    return facts;
  }
  if (layout === 'docker25') {
    await writeTar(path, docker25Entries(images, o.store ?? 'classic'), o);
    return [];
  }
  const layers = new Map<string, LayerEntry>();
  const manifest = images.map((img) => {
    const names = img.layers.map((l) => `${hex(l.digest)}.tar${l.compression === 'gzip' ? '.gz' : l.compression === 'zstd' ? '.zst' : ''}`);
    img.layers.forEach((l, i) => { if (!o.omit?.includes(i)) layers.set(names[i]!, file(names[i]!, l.blob)); });
    return { Config: `${hex(img.imageId)}.json`, RepoTags: img.tags, Layers: names };
  });
  const configs = new Map(images.map((img) => [img.imageId, file(`${hex(img.imageId)}.json`, img.config)]));
  const head: LayerEntry[] = [file('manifest.json', json(manifest)), ...configs.values()];
  await writeTar(path, o.manifestFirst ? [...head, ...layers.values()] : [...layers.values(), ...configs.values(), head[0]!], o);
  return [];
}

function legacyEntries(images: BuiltImage[]): { entries: LayerEntry[]; facts: LegacyFacts[] } {
  const entries: LayerEntry[] = [];
  const tail: LayerEntry[] = [];
  const written = new Map<string, string>(); // DiffID -> the layer.tar path holding it
  const manifest = [];
  const repositories: Record<string, Record<string, string>> = {};
  const facts: LegacyFacts[] = [];
  for (const img of images) {
    const v1 = v1LayerIds(img.chainIds as Digest[], JSON.parse(img.config.toString('utf8'))) as string[];
    const names: string[] = [];
    const links: (string | null)[] = [];
    img.layers.forEach((l, i) => {
      const id = hex(v1[i]!);
      const name = `${id}/layer.tar`;
      entries.push(dir(`${id}/`), file(`${id}/VERSION`, '1.0'));
      entries.push(file(`${id}/json`, json({ id, ...(i ? { parent: hex(v1[i - 1]!) } : {}), created: '1970-01-01T00:00:00Z' })));
      const prior = written.get(l.diffId);
      if (prior && prior !== name) {
        entries.push(symlink(name, `../${prior}`));
        links.push(prior);
      } else {
        entries.push(file(name, l.tar));
        written.set(l.diffId, name);
        links.push(null);
      }
      names.push(name);
    });
    tail.push(file(`${hex(img.imageId)}.json`, img.config));
    manifest.push({ Config: `${hex(img.imageId)}.json`, RepoTags: img.tags, Layers: names });
    for (const t of img.tags) {
      const [repo, tag] = splitTag(t);
      (repositories[repo] ??= {})[tag] = hex(v1[v1.length - 1]!);
    }
    facts.push({ v1Ids: v1, layerPaths: names, linkedTo: links });
  }
  return { entries: [...entries, ...tail, file('manifest.json', json(manifest)), file('repositories', json(repositories))], facts };
}

function docker25Entries(images: BuiltImage[], store: 'classic' | 'containerd'): LayerEntry[] {
  const refs: OciRef[] = images.map((image) => {
    const tag = image.tags[0]!;
    return { image, annotations: { 'io.containerd.image.name': `docker.io/${tag}`, [REF_NAME]: splitTag(tag)[1] } };
  });
  const dockerManifest = images.map((img) => ({
    Config: `blobs/sha256/${hex(img.imageId)}`, RepoTags: img.tags, Layers: img.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
    ...(store === 'classic' ? { LayerSources: {} } : {}),
  }));
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) for (const t of img.tags) (repositories[splitTag(t)[0]] ??= {})[splitTag(t)[1]] = hex(img.imageId);
  return [...layoutOf(refs).entries, file('manifest.json', json(dockerManifest)), ...(store === 'classic' ? [file('repositories', json(repositories))] : [])];
}

// ---------------------------------------------------------------------------------------------------------------
// OCI layouts and archives

/**
 * What index.json names: an image (its manifest), or an index of images (each with its platform); `ref` is the
 * name (`org.opencontainers.image.ref.name`), `annotations` any others.
 */
export type OciRef =
  | { image: BuiltImage; ref?: string; annotations?: Record<string, string>; manifest?: ManifestOptions }
  | { index: BuiltImage[]; ref?: string; annotations?: Record<string, string>; manifest?: ManifestOptions };

export interface BuiltLayout {
  /** The digest of what each ref names (a manifest or an index), in order. */
  digests: string[];
  /** Each ref's manifests (one for an image, one per platform for an index). */
  manifests: BuiltManifest[][];
  /** The files of the layout in a fixed order: directories, blobs (each once, sorted), index.json, oci-layout. */
  entries: LayerEntry[];
}

/** The layout's files for `refs`. */
export function layoutOf(refs: OciRef[]): BuiltLayout {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => { blobs.set(hex(sha(b)), b); return b; };
  const descriptor = (m: BuiltManifest, extra: Record<string, unknown> = {}) => ({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, ...extra });
  const manifestsOf: BuiltManifest[][] = [];
  const top = refs.map((r) => {
    const images = 'image' in r ? [r.image] : r.index;
    const ms = images.map((img) => {
      put(img.config);
      for (const l of img.layers) put(l.blob);
      const m = manifestOf(img, r.manifest);
      put(m.bytes);
      return m;
    });
    manifestsOf.push(ms);
    const annotations = { ...(r.ref !== undefined ? { [REF_NAME]: r.ref } : {}), ...(r.annotations ?? {}) };
    const extra = Object.keys(annotations).length ? { annotations } : {};
    if ('image' in r) return descriptor(ms[0]!, extra);
    const index = put(json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: ms.map((m, i) => descriptor(m, { platform: images[i]!.platform })) }));
    return { mediaType: OCI_INDEX, digest: sha(index), size: index.length, ...extra };
  });
  const names = [...blobs.keys()].sort();
  return {
    digests: top.map((d) => d.digest),
    manifests: manifestsOf,
    entries: [
      dir('blobs/'), dir('blobs/sha256/'),
      ...names.map((h) => file(`blobs/sha256/${h}`, blobs.get(h)!)),
      file('index.json', json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: top })),
      file('oci-layout', json({ imageLayoutVersion: '1.0.0' })),
    ],
  };
}

/** Writes an OCI layout directory. */
export function writeOciLayout(path: string, refs: OciRef[]): BuiltLayout {
  const layout = layoutOf(refs);
  mkdirSync(join(path, 'blobs/sha256'), { recursive: true });
  for (const e of layout.entries) if (e.type === 'file') writeFileSync(join(path, e.name), e.data!);
  return layout;
}

/** Writes an OCI archive: the layout in a tar. */
export async function writeOciArchive(path: string, refs: OciRef[], o: { mtime?: number } = {}): Promise<BuiltLayout> {
  const layout = layoutOf(refs);
  await writeTar(path, layout.entries, o);
  return layout;
}

// ---------------------------------------------------------------------------------------------------------------
// The common case in one call

export interface ImageArchiveOptions extends ImageOptions, DockerArchiveOptions {
  /** How each layer tar is stored (default uncompressed); layers given already built are kept as they are. */
  storage?: Storage | ((tar: Buffer, i: number) => Storage);
  /** One tag (default `crafted/image:1` when `tags` is not given either). */
  tag?: string;
}

/** A docker archive of one image of these layers (tars, or layers already built); returns the image. */
export async function imageArchive(path: string, layers: (Buffer | BuiltLayer)[], o: ImageArchiveOptions = {}): Promise<BuiltImage> {
  const built = await Promise.all(layers.map((l, i) => (Buffer.isBuffer(l) ? layerOf(l, typeof o.storage === 'function' ? o.storage(l, i) : o.storage ?? 'none') : l)));
  const img = buildImage(built, { ...o, tags: o.tags ?? [o.tag ?? 'crafted/image:1'] });
  await writeDockerArchive(path, [img], o);
  return img;
}
