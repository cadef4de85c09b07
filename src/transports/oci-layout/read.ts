/**
 * Reads OCI image layouts (a directory, or the same files in an OCI archive tar): `oci-layout`, `index.json` and
 * `blobs/<alg>/<hex>`, following nested image indexes. Layer blobs are not read beyond their first block.
 */
import { treeAccess } from '../tree-layers.js';
import { StowageError } from '../../errors.js';
import { INDEX_DEPTH, INDEX_REFERENCES, JSON_LIMIT } from '../../limits.js';
import { SNIFF_BYTES, sniff } from '../../compress/detect.js';
import type { FileTree } from '../../fs/tree.js';
import { blobPath, sha256, type Digest } from '../../oci/digest.js';
import { expectRecord, parseJson } from '../../oci/json.js';
import { isIndexType, isManifestType, layerTypeCompression } from '../../oci/mediatypes.js';
import { parseConfig, parseIndex, parseManifest, type Descriptor, type Index } from '../../oci/types.js';
import { baseLayerRecords } from '../../image/layers.js';
import type { ImageSource, SourceImage } from '../../image/model.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';


/** Reads a small blob and checks it against its descriptor (digest and size). */
async function readBlobOnce(tree: FileTree, d: Descriptor, what: string, warnings: string[]): Promise<Buffer> {
  const path = blobPath(d.digest);
  if (!(await tree.stat(path))) throw new StowageError(`${tree.label}: ${what} blob ${d.digest} is missing`);
  const bytes = await tree.readSmall(path, Math.min(JSON_LIMIT, Math.max(d.size, 1)));
  if (bytes.length !== d.size) warnings.push(`${what} ${d.digest}: descriptor says ${d.size} bytes, blob has ${bytes.length}`);
  if (sha256(bytes) !== d.digest) throw new StowageError(`${tree.label}: ${what} blob ${d.digest} does not match its digest (it hashes to ${sha256(bytes)})`);
  return bytes;
}

/** Tags named by a descriptor's annotations: the OCI ref name (a tag), and containerd's full image name. */
function tagsOf(d: Descriptor): string[] {
  const out: string[] = [];
  const full = d.annotations?.[CONTAINERD_NAME];
  const ref = d.annotations?.[REF_NAME];
  if (full) out.push(full);
  else if (ref) out.push(ref);
  return out;
}

/**
 * Reads every image manifest reachable from an index, depth first, in index order. Untrusted indexes can name each
 * other many times over (7 levels naming the next 10 times is 10^7 paths in 10 kB): each nested index is read once
 * however often it is named, nesting is bounded (INDEX_DEPTH), and so are the descriptors read in all
 * (INDEX_REFERENCES).
 */
export async function readLayoutImages(tree: FileTree, index: Index, warnings: string[]): Promise<{ images: SourceImage[]; artifacts: NonNullable<ImageSource['artifacts']> }> {
  const images: SourceImage[] = [];
  const artifacts: NonNullable<ImageSource['artifacts']> = [];
  const visited = new Set<string>();
  const repeated = new Set<string>();
  let references = 0;
  // A manifest or config named many times is read and checked once.
  const blobs = new Map<string, Promise<Buffer>>();
  const readBlob = (t: FileTree, d: Descriptor, what: string, w: string[]): Promise<Buffer> => {
    const key = `${d.digest} ${d.size}`;
    let p = blobs.get(key);
    if (!p) blobs.set(key, (p = readBlobOnce(t, d, what, w)));
    return p;
  };
  const walk = async (idx: Index, depth: number, inherited: string[], parent?: Digest) => {
    if (depth > INDEX_DEPTH) throw new StowageError(`${tree.label}: image indexes nested more than ${INDEX_DEPTH} deep`);
    references += idx.manifests.length;
    if (references > INDEX_REFERENCES) throw new StowageError(`${tree.label}: its indexes name more than ${INDEX_REFERENCES} manifests; refused`);
    for (const d of idx.manifests) {
      const tags = tagsOf(d).length ? tagsOf(d) : inherited;
      let mediaType = d.mediaType;
      if (!isManifestType(mediaType) && !isIndexType(mediaType)) {
        // A descriptor may omit or misname the type; the document itself says what it is.
        const bytes = await readBlob(tree, d, 'manifest', warnings);
        const doc = expectRecord(parseJson(bytes, `${tree.label}: ${blobPath(d.digest)}`), blobPath(d.digest));
        mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : Array.isArray(doc.manifests) ? 'index' : 'manifest';
        if (doc.manifests === undefined && doc.config === undefined) {
          warnings.push(`skipped ${d.digest}: not an image manifest or index (${d.mediaType || 'no media type'})`);
          continue;
        }
      }
      if (isIndexType(mediaType) || mediaType === 'index') {
        if (visited.has(d.digest)) {
          if (!repeated.has(d.digest)) warnings.push(`index ${d.digest} is named more than once; read once`);
          repeated.add(d.digest);
          continue;
        }
        visited.add(d.digest);
        const bytes = await readBlob(tree, d, 'index', warnings);
        await walk(parseIndex(bytes, `${tree.label}: index ${d.digest}`), depth + 1, tags, d.digest);
        continue;
      }
      const mbytes = await readBlob(tree, d, 'manifest', warnings);
      const manifest = parseManifest(mbytes, `${tree.label}: manifest ${d.digest}`);
      // BuildKit's attestation manifests (provenance, SBOMs) have an image config (os and architecture "unknown")
      // and in-toto JSON as layers; what says they are not images is the index's annotation for them.
      const attestation = d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
      if (attestation || (manifest.config.mediaType && !/container\.image\.v1\+json$|image\.config\.v1\+json$/.test(manifest.config.mediaType))) {
        warnings.push(attestation ? `skipped ${d.digest}: BuildKit's attestation manifest for ${d.annotations?.['vnd.docker.reference.digest'] ?? 'an image'}, not an image`
          : `skipped ${d.digest}: an artifact (config ${manifest.config.mediaType}), not an image`);
        artifacts.push({ digest: d.digest, configType: manifest.config.mediaType, blobs: [manifest.config, ...manifest.layers] });
        continue;
      }
      const cbytes = await readBlob(tree, manifest.config, 'config', warnings);
      const config = parseConfig(cbytes, `${tree.label}: config ${manifest.config.digest}`);
      if (manifest.layers.length !== config.rootfs.diff_ids.length) {
        throw new StowageError(`${tree.label}: manifest ${d.digest} lists ${manifest.layers.length} layers but its config has ${config.rootfs.diff_ids.length} DiffIDs`);
      }
      const layers = baseLayerRecords(config);
      for (const [i, ld] of manifest.layers.entries()) {
        const l = layers[i]!;
        l.descriptor = ld;
        l.path = blobPath(ld.digest);
        const st = await tree.stat(l.path);
        if (!st) continue;
        l.present = true;
        l.storedSize = st.size;
        l.compression = sniff(await tree.head(l.path, SNIFF_BYTES));
        const declared = layerTypeCompression(ld.mediaType);
        if (declared && l.compression !== 'unknown' && declared !== l.compression) {
          warnings.push(`layer ${ld.digest}: media type says ${declared} but the bytes are ${l.compression}`);
        }
      }
      const platform = d.platform ?? { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
      const img: SourceImage = {
        position: images.length,
        tags,
        config: { bytes: cbytes, digest: manifest.config.digest, parsed: config, path: blobPath(manifest.config.digest) },
        manifest: { bytes: mbytes, digest: d.digest, mediaType: manifest.mediaType ?? d.mediaType, parsed: manifest, origin: 'archive', path: blobPath(d.digest) },
        platform: { os: platform.os, architecture: platform.architecture, ...(platform.variant ? { variant: platform.variant } : {}) },
        layers,
        descriptor: d,
      };
      if (parent) img.parentIndex = parent;
      images.push(img);
    }
  };
  await walk(index, 0, []);
  return { images, artifacts };
}

export async function readOciLayout(tree: FileTree, spec: string, format: 'oci-layout' | 'oci-archive'): Promise<ImageSource> {
  const warnings: string[] = [];
  const layoutFile = await tree.stat('oci-layout');
  if (!layoutFile) throw new StowageError(`${tree.label}: no oci-layout file, so not an OCI image layout`);
  const layout = expectRecord(parseJson(await tree.readSmall('oci-layout', 4096), `${tree.label}: oci-layout`), `${tree.label}: oci-layout`);
  if (layout.imageLayoutVersion !== '1.0.0') warnings.push(`oci-layout says imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}, expected "1.0.0"`);
  if (!(await tree.stat('index.json'))) throw new StowageError(`${tree.label}: no index.json, so not an OCI image layout`);
  const ibytes = await tree.readSmall('index.json', JSON_LIMIT);
  const index = parseIndex(ibytes, `${tree.label}: index.json`);
  const { images, artifacts } = await readLayoutImages(tree, index, warnings);
  return {
    spec,
    format,
    selector: format === 'oci-archive' ? 'oci-archive:PATH:TAG' : 'oci:DIR:TAG',
    flavor: format === 'oci-archive' ? 'OCI archive (an OCI image layout in a tar)' : 'OCI image layout',
    ...treeAccess(tree, spec),
    images,
    warnings,
    artifacts,
    index: { bytes: ibytes, parsed: index },
  };
}
