/**
 * The layer blobs an engine stores for an image: what a thin archive's manifest must name on the containerd image
 * store, which loads a layer only from the archive or from its content store by blob digest.
 *
 * The classic store keeps layers by ChainID, and exports them uncompressed: its blobs are the DiffIDs. The
 * containerd store keeps the blobs it was given: a `docker load` of a `docker save` stores uncompressed tars (blob
 * digest = DiffID), a pull keeps the registry's gzip or zstd blobs. The Engine API (1.51, Docker 28.5) names the
 * image's manifest (`Descriptor`, and `Manifests[]` with ?manifests=1) but no layer digests, so the manifest itself
 * is read from the engine's export (GET /images/get): the export lists the blobs in digest order, the manifest is one
 * small blob among them, and the read stops as soon as it has gone by (the layers before it stream past unread).
 */
import { StowageError } from '../../errors.js';
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
 * Reads the stored manifest of one containerd-store image. `name` is what the engine knows it by (a tag or its ID).
 * Returns undefined on the classic store (no Descriptor), where the blobs are the DiffIDs.
 */
export async function storedImage(client: EngineClient, name: string, img: EngineImageInspect): Promise<StoredImage | undefined> {
  const manifest = await platformManifest(client, name, img);
  if (!manifest) return undefined;
  const want = `blobs/sha256/${manifest.digest.replace(/^sha256:/, '')}`;
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
