/**
 * A patch delta's kept manifest against its index: apply writes these bytes as they are (so the manifest digest is
 * upstream's), so before anything is written they must describe exactly the image the index rebuilds: its config,
 * and per layer the blob the delta brings back (a recompressed blob's digest, size and media type, a whole layer's
 * blob, a plain tar's DiffID). Layers taken from the base are checked at apply, against the base's blobs.
 */
import { StowageError } from '../errors.js';
import { isRecord } from '../oci/json.js';
import { parseJsonInput } from '../oci/json-input.js';
import type { Descriptor } from '../oci/types.js';
import { PATCH_INDEX, type PatchImage, type PatchIndex, type PatchLayer } from './format.js';

/** The blob an index layer arrives as, when the delta decides it (not a base layer). */
export function arrivingBlob(l: PatchLayer): { digest: string; size: number; mediaType?: string } | undefined {
  if (l.how === 'whole') return { digest: l.whole!.digest, size: l.whole!.size };
  if (l.how === 'patch') {
    if (l.blob) return { digest: l.blob.digest, size: l.blob.size, mediaType: l.blob.mediaType };
    if (l.storedCompression === 'none') return { digest: l.diffId, size: l.size };
  }
  return undefined;
}

/** The layer descriptors of a kept manifest, checked against the index; a one-line error names the first mismatch. */
export function checkManifest(index: PatchIndex, img: PatchImage, bytes: Buffer, what: string): Descriptor[] {
  const m = img.manifest!;
  const at = `${what}: the manifest ${m.digest} of ${img.tags[0] ?? img.config.digest}`;
  const refuse = (why: string): never => {
    throw new StowageError(`${at} ${why}; the delta is damaged or was altered (${PATCH_INDEX} and the manifest disagree)`, { code: 'tampered' });
  };
  const doc = parseJsonInput(bytes, at);
  if (!isRecord(doc)) return refuse('is not a JSON object');
  if (doc.mediaType !== undefined && doc.mediaType !== m.mediaType) refuse(`says its media type is ${String(doc.mediaType)}, the index ${m.mediaType}`);
  const cfg = isRecord(doc.config) ? doc.config : undefined;
  if (cfg?.digest !== img.config.digest || cfg?.size !== img.config.size) refuse(`names config ${String(cfg?.digest)}, not ${img.config.digest} (${img.config.size} bytes)`);
  const layers = Array.isArray(doc.layers) ? doc.layers : refuse('has no layers list');
  if (layers.length !== img.layers.length) refuse(`lists ${layers.length} layers, the index ${img.layers.length}`);
  const byChain = new Map(index.layers.map((l) => [l.chainId, l]));
  return layers.map((raw, k) => {
    const d = isRecord(raw) ? raw : refuse(`layer ${k + 1} is not a descriptor`);
    if (typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') refuse(`layer ${k + 1} is not a descriptor (digest, size, mediaType)`);
    const want = arrivingBlob(byChain.get(img.layers[k]!)!);
    if (want && (d.digest !== want.digest || d.size !== want.size || (want.mediaType !== undefined && d.mediaType !== want.mediaType))) {
      refuse(`names layer ${k + 1} ${String(d.digest)} (${String(d.size)} bytes), but the delta rebuilds it as ${want.digest} (${want.size} bytes${want.mediaType ? `, ${want.mediaType}` : ''})`);
    }
    return d as unknown as Descriptor;
  });
}

/** A kept index against the index: it lists exactly the images' kept manifests and its artifacts (by digest), once each. */
export function checkImageIndex(index: PatchIndex, bytes: Buffer, what: string): void {
  const x = index.index!;
  const at = `${what}: the image index ${x.digest}`;
  const doc = parseJsonInput(bytes, at);
  const listed = isRecord(doc) && Array.isArray(doc.manifests) ? doc.manifests.map((d) => (isRecord(d) ? d.digest : undefined)) : undefined;
  // Issue 20: and the attestation manifests it lists beside them (index.artifacts).
  const kept = [...index.images.map((i) => i.manifest!.digest), ...(x.artifacts ?? []).map((a) => a.digest)];
  const same = listed !== undefined && listed.length === kept.length && new Set(listed).size === listed.length && kept.every((d) => listed.includes(d));
  if (!same) throw new StowageError(`${at} does not list exactly the delta's ${kept.length} manifests (${index.images.length} images${x.artifacts?.length ? `, ${x.artifacts.length} attestation or other manifests` : ''}); the delta is damaged or was altered`, { code: 'tampered' });
}
