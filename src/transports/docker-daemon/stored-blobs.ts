/**
 * The layer blobs an engine stores for an image: what a thin archive's manifest must name on the containerd image
 * store, which loads a layer only from the archive or from its content store by blob digest.
 *
 * The classic store keeps layers by ChainID, and exports them uncompressed: its blobs are the DiffIDs. The
 * containerd store keeps the blobs it was given: a `docker load` of a `docker save` stores uncompressed tars (blob
 * digest = DiffID), a pull keeps the registry's gzip or zstd blobs. The Engine API (1.51, Docker 28.5) names the
 * image's manifest (`Descriptor`, and `Manifests[]` with ?manifests=1) but no layer digests, so the manifest itself
 * is read from the engine's content store when this machine can read it (root on the engine's host: the blob file
 * named by the digest, its bytes checked against it), else from the engine's export (GET /images/get): the export
 * lists the blobs in digest order, the manifest is one small blob among them, and the read stops as soon as it has
 * gone by (the layers sorting before it stream past unread, so this costs up to a full export of the image).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StowageError } from '../../errors.js';
import { blobPath, sha256 } from '../../oci/digest.js';
import { JSON_LIMIT } from '../../limits.js';
import { normalizeEntryName } from '../../fs/paths.js';
import { isIndexType } from '../../oci/mediatypes.js';
import { parseDescriptor, parseManifest, type Descriptor } from '../../oci/types.js';
import { StreamByteSource } from '../../tar/bytesource.js';
import { readTar } from '../../tar/reader.js';
import type { EngineClient, EngineImageInspect } from './client.js';

export interface StoredImage {
  /** The manifest the engine holds for the image's platform. */
  manifest: Descriptor;
  /** Per layer, the blob the engine holds. */
  layers: Descriptor[];
}

/** The manifest descriptor of the engine's own platform for a containerd-store image (an index picks one). */
async function platformManifest(client: EngineClient, name: string, img: EngineImageInspect): Promise<Descriptor | undefined> {
  if (!img.Descriptor) return undefined;
  const top = parseDescriptor(img.Descriptor, `Docker engine: ${name}.Descriptor`);
  if (!isIndexType(top.mediaType)) return top;
  const full = await client.json<EngineImageInspect>(`/images/${encodeURIComponent(name)}/json?manifests=1`);
  const m = (full.Manifests ?? []).find((x) => x.Available && x.Kind === 'image' &&
    x.ImageData?.Platform?.os === img.Os && x.ImageData?.Platform?.architecture === img.Architecture &&
    (x.ImageData?.Platform?.variant ?? '') === (img.Variant ?? ''));
  return m ? parseDescriptor(m.Descriptor, `Docker engine: ${name}.Manifests[]`) : undefined;
}

/**
 * Where containerd keeps blobs for a Docker data root: dockerd's own managed containerd under the data root, or a
 * system containerd (Debian's and Docker's packages) under /var/lib/containerd.
 */
export function contentRoots(dataRoot: string | undefined): string[] {
  const roots = dataRoot ? [join(dataRoot, 'containerd/daemon/io.containerd.content.v1.content')] : [];
  return [...roots, '/var/lib/containerd/io.containerd.content.v1.content'];
}

/** A small blob straight from containerd's content store, when readable here and its bytes hash to its name. */
async function fromContentStore(roots: string[], digest: string): Promise<Buffer | undefined> {
  for (const root of roots) {
    const file = join(root, 'blobs/sha256', digest.replace(/^sha256:/, ''));
    try {
      if ((await stat(file)).size > JSON_LIMIT) continue;
      const bytes = await readFile(file);
      if (sha256(bytes) === digest) return bytes;
    } catch { /* not here, or not readable by this user */ }
  }
  return undefined;
}

/**
 * Reads the stored manifest of one containerd-store image. `name` is what the engine knows it by (a tag or its ID).
 * Returns undefined on the classic store (no Descriptor), where the blobs are the DiffIDs.
 */
export async function storedImage(client: EngineClient, name: string, img: EngineImageInspect, roots: string[] = []): Promise<StoredImage | undefined> {
  const manifest = await platformManifest(client, name, img);
  if (!manifest) return undefined;
  const local = await fromContentStore(roots, manifest.digest);
  if (local) return { manifest, layers: parseManifest(local, `containerd content store: manifest of ${name}`).layers };
  const want = blobPath(manifest.digest);
  const src = new StreamByteSource(await client.exportImages([name]));
  try {
    for await (const e of readTar(src, { what: `Docker engine export of ${name}` })) {
      if (normalizeEntryName(e.header.name) !== want) continue;
      if (e.header.size > JSON_LIMIT) throw new StowageError(`Docker engine: the manifest of ${name} is ${e.header.size} bytes, over the JSON limit`);
      const parts: Buffer[] = [];
      for await (const c of e.body()) parts.push(Buffer.from(c));
      const parsed = parseManifest(Buffer.concat(parts), `Docker engine: manifest of ${name}`);
      return { manifest, layers: parsed.layers };
    }
  } finally {
    await src.close();
  }
  throw new StowageError(`Docker engine: the export of ${name} holds no manifest ${manifest.digest}`);
}
