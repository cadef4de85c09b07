/**
 * Reads `docker save` archives of every generation from a FileTree:
 * - Docker <= 24: `<v1id>/layer.tar` (repeated layers as symlinks), `<config hex>.json`, `manifest.json`, `repositories`;
 * - Docker 25+ and the containerd image store: an OCI layout (`oci-layout`, `index.json`, `blobs/sha256/`) plus a
 *   `manifest.json` whose paths point into `blobs/` (compressed blobs on the containerd store);
 * - skopeo and podman: `<diffid hex>.tar` layers, `<config hex>.json`;
 * - go-containerregistry's tarball.Write: `sha256:<hex>` config, `<hex>.tar.gz` layers.
 * Layer bytes are never read here beyond the first block of each (to tell the compression).
 */
import { StowageError } from '../../errors.js';
import { JSON_LIMIT } from '../../limits.js';
import { SNIFF_BYTES, sniff } from '../../compress/detect.js';
import type { FileTree } from '../../fs/tree.js';
import { blobPath, isHex64, sha256, type Digest } from '../../oci/digest.js';
import { parseConfig, parseIndex } from '../../oci/types.js';
import type { Index } from '../../oci/types.js';
import { baseLayerRecords, synthesizeManifest } from '../../image/layers.js';
import { WRITER_ANNOTATION } from '../../image/manifest.js';
import type { ImageSource, SourceImage } from '../../image/model.js';
import { readLayoutImages } from '../oci-layout/read.js';
import { treeAccess } from '../tree-layers.js';
import { legacyLayerId, parseManifestJson, type ManifestItem } from './grammar.js';

/**
 * Which store wrote a Docker 25+ save: moby's classic store writes LayerSources in manifest.json (and a
 * `repositories` file for tagged images) and exports uncompressed layers; the containerd store's exporter writes
 * neither and keeps the blobs it holds (compressed for a pull). Checked on Docker 25.0 and 28.5 saves.
 */
function storeOf(items: ManifestItem[], hasRepositories: boolean): 'classic' | 'containerd' {
  return hasRepositories || items.some((i) => i.layerSources) ? 'classic' : 'containerd';
}

/** Names the writer from the paths it used. */
function flavorOf(items: ManifestItem[], index: Index | undefined, compressed: boolean, hasRepositories: boolean): string {
  const layers = items.flatMap((i) => i.Layers);
  if (index && layers.every((p) => p.startsWith('blobs/'))) {
    if (index.annotations?.[WRITER_ANNOTATION] === 'stowage') return 'docker-archive written by stowage (Docker 25+ layout: OCI layout plus manifest.json)';
    if (storeOf(items, hasRepositories) === 'classic') return 'docker save, Docker 25+ from the classic image store (OCI layout plus manifest.json)';
    return `docker save, Docker 25+ from the containerd image store (OCI layout plus manifest.json, ${compressed ? 'compressed' : 'uncompressed'} blobs as the store holds them)`;
  }
  if (layers.length && layers.every((p) => legacyLayerId(p) !== undefined)) return 'docker save, Docker <= 24 (legacy layout)';
  if (layers.length && layers.every((p) => /^[a-f0-9]{64}\.tar$/.test(p))) return 'docker-archive written by skopeo or podman';
  if (items.some((i) => i.Config.startsWith('sha256:'))) return 'docker-archive written by go-containerregistry (crane)';
  return 'docker-archive';
}

export async function readDockerArchive(tree: FileTree, spec: string): Promise<ImageSource> {
  const what = `${tree.label}: manifest.json`;
  const mbytes = await tree.readSmall('manifest.json', JSON_LIMIT);
  const items = parseManifestJson(mbytes, what);
  const warnings: string[] = [];
  const hasRepositories = !!(await tree.stat('repositories'));

  // Docker 25+ archives carry an OCI layout too: read it to find the real manifests and to cross-check.
  let index: { bytes: Buffer; parsed: Index } | undefined;
  let layoutImages: SourceImage[] = [];
  if ((await tree.stat('index.json')) && (await tree.stat('oci-layout'))) {
    const ibytes = await tree.readSmall('index.json', JSON_LIMIT);
    index = { bytes: ibytes, parsed: parseIndex(ibytes, `${tree.label}: index.json`) };
    try {
      layoutImages = (await readLayoutImages(tree, index.parsed, warnings)).images;
    } catch (e) {
      warnings.push(`the OCI layout beside manifest.json cannot be read: ${(e as Error).message}`);
    }
  }

  const images: SourceImage[] = [];
  for (const [pos, item] of items.entries()) {
    const w = `${tree.label}: manifest.json[${pos}]`;
    const cbytes = await tree.readSmall(item.Config, JSON_LIMIT);
    const configDigest = sha256(cbytes);
    const config = parseConfig(cbytes, `${tree.label}: config ${item.Config}`);
    const diffIds = config.rootfs.diff_ids;
    if (item.Layers.length !== diffIds.length) {
      throw new StowageError(`${w}: lists ${item.Layers.length} layers but its config has ${diffIds.length} DiffIDs`);
    }
    // A config named after a digest must hash to it.
    const named = /^(?:blobs\/sha256\/|sha256:)?([a-f0-9]{64})(?:\.json)?$/.exec(item.Config);
    if (named && isHex64(named[1]!) && `sha256:${named[1]}` !== configDigest) {
      warnings.push(`config ${item.Config} does not hash to the digest in its name (it is ${configDigest})`);
    }
    const layers = baseLayerRecords(config);
    for (const [i, p] of item.Layers.entries()) {
      const l = layers[i]!;
      l.path = p;
      const v1 = legacyLayerId(p);
      if (v1) l.v1Dir = v1;
      const st = await tree.stat(p);
      if (!st) continue; // a thin archive leaves out layers the target already has
      l.present = true;
      l.storedSize = st.size;
      if (st.linked) l.linkedTo = st.resolved;
      l.compression = sniff(await tree.head(p, SNIFF_BYTES));
    }
    const platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
    const img: SourceImage = { position: pos, tags: item.RepoTags, config: { bytes: cbytes, digest: configDigest, parsed: config, path: item.Config }, platform, layers };

    let fromLayout = layoutImages.find((li) => li.config.digest === configDigest);
    if (!fromLayout && index) fromLayout = await findUnlistedManifest(tree, configDigest, warnings);
    if (fromLayout?.manifest) {
      img.manifest = fromLayout.manifest;
      for (const [i, l] of layers.entries()) {
        const d = fromLayout.manifest.parsed.layers[i];
        if (d) l.descriptor = d;
      }
      if (storeOf(items, hasRepositories) === 'containerd' && index?.parsed.annotations?.[WRITER_ANNOTATION] !== 'stowage') {
        img.manifest = { ...fromLayout.manifest, note: 'the manifest the containerd image store holds: that engine shows its digest as the image ID' };
      } else if (index?.parsed.annotations?.[WRITER_ANNOTATION] === 'stowage') {
        if (fromLayout.manifest.parsed.layers.every((d) => d.mediaType.endsWith('.tar'))) {
          img.manifest = { ...fromLayout.manifest, note: 'written by stowage: its layers are uncompressed, so no registry holds this manifest' };
        }
      } else if (fromLayout.manifest.parsed.layers.every((d) => d.mediaType.endsWith('.tar'))) {
        img.manifest = { ...fromLayout.manifest, note: 'written by docker save from the classic image store: its layers are uncompressed, so no registry holds this manifest (moby#22011)' };
      }
    }
    if (!img.manifest) {
      if (layers.every((l) => l.present && l.compression === 'none')) {
        img.manifest = synthesizeManifest(cbytes, configDigest, layers.map((l) => ({ diffId: l.diffId, size: l.storedSize! })));
      } else {
        img.manifestMissing = layers.some((l) => !l.present)
          ? 'the archive leaves out some layers, so no manifest can be synthesized'
          : 'no manifest in the archive, and its compressed layers need a full read to synthesize one (run verify)';
      }
    }
    images.push(img);
  }
  const indexOnly = layoutImages.map((li) => li.config.digest).filter((c) => !images.some((i) => i.config.digest === c));
  const stowageWrote = index?.parsed.annotations?.[WRITER_ANNOTATION] === 'stowage';
  const legacy = items.flatMap((i) => i.Layers).every((p) => legacyLayerId(p) !== undefined) && hasRepositories;
  const store = index && !stowageWrote ? storeOf(items, hasRepositories) : legacy ? 'classic' : undefined;
  return {
    spec,
    format: 'docker-archive',
    ...(store ? { store } : {}),
    indexOnly,
    selector: 'PATH:NAME:TAG or PATH:@N',
    flavor: flavorOf(items, index?.parsed, images.some((i) => i.layers.some((l) => l.compression === 'gzip' || l.compression === 'zstd')), hasRepositories),
    ...treeAccess(tree, spec),
    images,
    warnings,
    ...(index ? { index } : {}),
    dockerManifest: { bytes: mbytes, parsed: items },
    inconsistencies: index ? indexMismatches(images) : [],
  };
}

/**
 * Docker 25.0 leaves untagged images out of index.json but still writes their manifest blob. Finds it among the
 * small blobs so the real manifest digest can be shown.
 */
async function findUnlistedManifest(tree: FileTree, configDigest: Digest, warnings: string[]): Promise<SourceImage | undefined> {
  for (const p of await tree.list()) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(p);
    if (!m) continue;
    const st = await tree.stat(p);
    if (!st || st.size > 64 << 10 || st.size < 2) continue;
    if ((await tree.head(p, 1))[0] !== 0x7b) continue;
    const bytes = await tree.readSmall(p, 64 << 10);
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    const cfg = (doc as { config?: { digest?: unknown } } | null)?.config?.digest;
    if (cfg !== configDigest) continue;
    const digest = `sha256:${m[1]}` as Digest;
    const index: Index = { schemaVersion: 2, manifests: [{ mediaType: (doc as { mediaType?: string }).mediaType ?? '', digest, size: bytes.length }] };
    const found = (await readLayoutImages(tree, index, warnings)).images[0];
    if (found?.manifest) found.manifest.note = 'found among the blobs: index.json does not list it (Docker 25.0 leaves untagged images out)';
    return found;
  }
  return undefined;
}

/**
 * Docker 25+ archives: manifest.json and index.json must describe the same images with the same blobs, or the
 * classic store (which follows manifest.json) and containerd (index.json) would load different bytes.
 */
function indexMismatches(images: SourceImage[]): string[] {
  const problems: string[] = [];
  for (const img of images) {
    const who = img.tags[0] ?? img.config.digest;
    // An image missing from index.json is not a mismatch: Docker 25.0 leaves untagged images out of it.
    if (!img.manifest || img.manifest.origin !== 'archive') continue;
    if (img.config.path && img.config.path !== blobPath(img.config.digest)) {
      problems.push(`manifest.json names config ${img.config.path} for ${who}, but index.json's manifest names ${blobPath(img.config.digest)}`);
    }
    for (const l of img.layers) {
      if (l.descriptor && l.path !== blobPath(l.descriptor.digest)) {
        problems.push(`manifest.json names ${l.path} as layer ${l.index} of ${who}, but index.json's manifest names ${blobPath(l.descriptor.digest)}`);
      }
    }
  }
  return problems;
}
