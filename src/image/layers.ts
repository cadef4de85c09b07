/**
 * Per-layer facts derived from a config alone: ChainIDs, the history entry behind each layer, moby's v1 names.
 */
import { sha256, type Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { DOCKER_CONFIG, DOCKER_LAYER, DOCKER_MANIFEST } from '../oci/mediatypes.js';
import type { HistoryEntry, ImageConfig, Manifest } from '../oci/types.js';
import { v1LayerIds } from '../oci/v1id.js';
import type { LayerRecord, ManifestInfo } from './model.js';

/** The history entries that made a layer (those without empty_layer), in layer order. */
export function layerHistory(config: ImageConfig): (HistoryEntry | undefined)[] {
  const entries = (config.history ?? []).filter((h) => !h.empty_layer);
  return config.rootfs.diff_ids.map((_, i) => entries[i]);
}

/** Layer records with every identity the config alone determines; the source fills in where the bytes are. */
export function baseLayerRecords(config: ImageConfig): LayerRecord[] {
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const v1 = v1LayerIds(chains, config as unknown as Record<string, unknown>);
  const history = layerHistory(config);
  return diffIds.map((diffId, i) => {
    const rec: LayerRecord = { index: i, diffId, chainId: chains[i]!, present: false };
    if (v1[i]) rec.v1Computed = v1[i];
    if (history[i]) rec.history = history[i];
    return rec;
  });
}

/**
 * The manifest skopeo (containers/image) synthesizes for a docker-archive source: Docker schema 2, layers named
 * by DiffID with their uncompressed size. Its digest is what `skopeo inspect docker-archive:...` reports. It is
 * never the digest of any manifest a registry holds (those name compressed blobs).
 */
export function synthesizeManifest(configBytes: Buffer, configDigest: Digest, layers: { diffId: Digest; size: number }[]): ManifestInfo {
  const parsed: Manifest = {
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: DOCKER_CONFIG, size: configBytes.length, digest: configDigest },
    layers: layers.map((l) => ({ mediaType: DOCKER_LAYER, size: l.size, digest: l.diffId })),
  };
  // Key order matches Go's struct order in containers/image, so the bytes (and digest) are the same.
  const json = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: DOCKER_CONFIG, size: configBytes.length, digest: configDigest },
    layers: layers.map((l) => ({ mediaType: DOCKER_LAYER, size: l.size, digest: l.diffId })),
  });
  const bytes = Buffer.from(json);
  return { bytes, digest: sha256(bytes), mediaType: DOCKER_MANIFEST, parsed, origin: 'synthesized' };
}
