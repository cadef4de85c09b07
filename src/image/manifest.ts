/** Building the OCI manifest and index documents a writer stores. */
import { sha256, type Digest } from '../oci/digest.js';
import { DOCKER_CONFIG, DOCKER_LAYER, DOCKER_MANIFEST, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, ociLayerType } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import type { WritableImage } from './writable.js';

export interface BuiltManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  /** The layer descriptors, in order. */
  layers: Descriptor[];
}

/**
 * The manifest to store for an image: the source's own bytes when it has them (so the manifest digest is kept), or
 * a new OCI manifest whose layer media types follow the stored compression. Every layer digest must be known.
 */
export function manifestFor(img: WritableImage, opts: { format?: 'oci' | 'docker' } = {}): BuiltManifest {
  if (img.manifest) {
    const parsed = JSON.parse(img.manifest.bytes.toString('utf8')) as { layers: Descriptor[] };
    return { ...img.manifest, layers: parsed.layers };
  }
  // Docker schema 2 (what `docker push` writes) has no type for zstd or uncompressed layers: those stay OCI.
  const docker = opts.format === 'docker' && img.layers.every((l) => l.compression === 'gzip');
  const layers: Descriptor[] = img.layers.map((l, i) => {
    if (!l.digest) throw new Error(`internal: layer ${i + 1} has no known blob digest`);
    return { mediaType: docker ? DOCKER_LAYER : ociLayerType(l.compression), digest: l.digest, size: l.size };
  });
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, digest: img.configDigest, size: img.config.length },
    layers,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, digest: sha256(bytes), mediaType, layers };
}

/**
 * Marks the index.json of a `docker save` layout stowage wrote, so a reader does not take it for an engine's save
 * (the classic store's saves carry LayerSources, the containerd store's carry neither: see docker-archive/read.ts).
 */
export const WRITER_ANNOTATION = 'io.stowage.writer';

/** An OCI image index (index.json) listing the given manifest descriptors. */
export function indexJson(manifests: Descriptor[], annotations?: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests, ...(annotations ? { annotations } : {}) }, null, 0));
}
