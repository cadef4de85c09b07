/**
 * diff: compares two images from any sources and says why each identity is the same or not: layers shared by DiffID
 * and by ChainID, the config field by field, the manifest and the compression of the layers, and (with files) the
 * file-level changes between the two merged filesystems.
 */
import { diffConfigs } from '../image/config-diff.js';
import type { Digest } from '../oci/digest.js';
import { formatPlatform } from '../oci/platform.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import { diffFiles, type FilesDiff } from './diff-files.js';

export interface DiffSide {
  source: string;
  tags: string[];
  imageId: Digest;
  manifest: { digest: Digest; mediaType: string; origin: 'archive' | 'synthesized' } | null;
  platform: string;
  layers: number;
}

export interface LayerPair {
  index: number;
  a: { diffId: Digest; chainId: Digest; blob: Digest | null; mediaType: string | null; size: number | null } | null;
  b: { diffId: Digest; chainId: Digest; blob: Digest | null; mediaType: string | null; size: number | null } | null;
  sameDiffId: boolean;
  sameChainId: boolean;
  /** null when a blob digest is unknown on either side. */
  sameBlob: boolean | null;
}

export interface FieldChange {
  path: string;
  a: unknown;
  b: unknown;
}

export interface DiffReport {
  schema: 'stowage.diff/v1';
  a: DiffSide;
  b: DiffSide;
  sameImageId: boolean;
  sameManifest: boolean | null;
  /** One sentence per identity, saying whether it is the same and why. */
  verdict: string[];
  layers: LayerPair[];
  /** Layers of B whose DiffID A has anywhere / whose ChainID A has (the ones an engine would share). */
  sharedByDiffId: number;
  sharedByChainId: number;
  config: FieldChange[];
  files: FilesDiff | null;
}

function side(src: ImageSource, img: SourceImage): DiffSide {
  return {
    source: src.spec, tags: img.tags, imageId: img.config.digest,
    manifest: img.manifest ? { digest: img.manifest.digest, mediaType: img.manifest.mediaType, origin: img.manifest.origin } : null,
    platform: formatPlatform(img.platform), layers: img.layers.length,
  };
}

function blobOf(img: SourceImage, i: number): { blob: Digest | null; mediaType: string | null; size: number | null } {
  const l = img.layers[i]!;
  if (l.descriptor) return { blob: l.descriptor.digest, mediaType: l.descriptor.mediaType, size: l.descriptor.size };
  if (l.present && l.compression === 'none') return { blob: l.diffId, mediaType: null, size: l.storedSize ?? null };
  return { blob: null, mediaType: null, size: l.storedSize ?? null };
}

export async function diff(a: { src: ImageSource; img: SourceImage }, b: { src: ImageSource; img: SourceImage }, opts: { files?: boolean } = {}): Promise<DiffReport> {
  const A = a.img;
  const B = b.img;
  const n = Math.max(A.layers.length, B.layers.length);
  const layers: LayerPair[] = [];
  for (let i = 0; i < n; i++) {
    const la = A.layers[i];
    const lb = B.layers[i];
    const pa = la ? { diffId: la.diffId, chainId: la.chainId, ...blobOf(A, i) } : null;
    const pb = lb ? { diffId: lb.diffId, chainId: lb.chainId, ...blobOf(B, i) } : null;
    layers.push({
      index: i, a: pa, b: pb,
      sameDiffId: !!pa && !!pb && pa.diffId === pb.diffId,
      sameChainId: !!pa && !!pb && pa.chainId === pb.chainId,
      sameBlob: pa?.blob && pb?.blob ? pa.blob === pb.blob : null,
    });
  }
  const aDiffs = new Set(A.layers.map((l) => l.diffId));
  const aChains = new Set(A.layers.map((l) => l.chainId));
  const sharedByDiffId = B.layers.filter((l) => aDiffs.has(l.diffId)).length;
  const sharedByChainId = B.layers.filter((l) => aChains.has(l.chainId)).length;
  // The same field differ as edit's report (paths like config.Labels["org.example.version"], one line per
  // environment variable), sorted by path; rootfs is the layers, compared above.
  const strip = (c: Record<string, unknown>) => {
    const { rootfs: _r, ...rest } = c;
    return rest;
  };
  const config: FieldChange[] = diffConfigs(strip(A.config.parsed as Record<string, unknown>), strip(B.config.parsed as Record<string, unknown>))
    .map((d) => ({ path: d.path, a: d.before ?? null, b: d.after ?? null }))
    .sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const sameImageId = A.config.digest === B.config.digest;
  const sameManifest = A.manifest && B.manifest ? A.manifest.digest === B.manifest.digest : null;
  const report: DiffReport = {
    schema: 'stowage.diff/v1', a: side(a.src, A), b: side(b.src, B), sameImageId, sameManifest,
    verdict: [], layers, sharedByDiffId, sharedByChainId, config, files: null,
  };
  report.verdict = verdict(report, A, B);
  if (opts.files) report.files = await diffFiles(a, b);
  return report;
}

/** A plain explanation of each identity: same or not, and why. */
function verdict(r: DiffReport, A: SourceImage, B: SourceImage): string[] {
  const out: string[] = [];
  const allSameLayers = A.layers.length === B.layers.length && r.layers.every((l) => l.sameChainId);
  const common = r.layers.findIndex((l) => !l.sameChainId);
  const prefix = common === -1 ? r.layers.length : common;
  // Layers.
  if (allSameLayers) out.push(`Layers: the same ${A.layers.length} layers (every DiffID and ChainID equal).`);
  else if (prefix > 0) {
    const ownA = A.layers.length - prefix;
    const ownB = B.layers.length - prefix;
    const rest = ownA === 0 ? `B adds ${ownB} layer(s) on top of A` : ownB === 0 ? `A adds ${ownA} layer(s) on top of B` : `then A has ${ownA} and B ${ownB} layer(s) of their own`;
    out.push(`Layers: the first ${prefix} layers are shared (same ChainIDs: a common base an engine stores once); ${rest}.`);
  } else out.push('Layers: no layer is shared (the very first layers differ, so every ChainID differs).');
  const moved = r.sharedByDiffId - r.sharedByChainId;
  if (moved > 0) out.push(`${moved} layer(s) of B have a DiffID A also has, but on a different stack (different ChainID): an engine stores them again.`);
  // Image ID.
  if (r.sameImageId) out.push(`Image ID: the same (${A.config.digest.slice(0, 19)}…): the config bytes are identical, and they name the layers.`);
  else if (r.config.length === 0) out.push('Image ID: different, although the configs hold the same content: their bytes differ (key order, spacing or escaping), and the image ID hashes the bytes.');
  else {
    const fields = r.config.map((c) => c.path);
    out.push(`Image ID: different, because the configs differ in ${fields.length} field(s): ${fields.slice(0, 6).join(', ')}${fields.length > 6 ? ', ...' : ''}.`);
  }
  // Manifest.
  if (!A.manifest || !B.manifest) out.push(`Manifest: cannot compare: ${!A.manifest ? 'A' : 'B'} has no manifest digest (${(!A.manifest ? A : B).manifestMissing ?? 'none'}).`);
  else if (r.sameManifest) out.push('Manifest: the same digest.');
  else {
    const why: string[] = [];
    if (!r.sameImageId) why.push('it names a different config');
    const recompressed = r.layers.filter((l) => l.sameDiffId && l.sameBlob === false);
    if (recompressed.length) why.push(`${recompressed.length} layer(s) with the same DiffID were compressed differently (different blob digests)`);
    if (A.manifest.mediaType !== B.manifest.mediaType) why.push(`the manifest formats differ (${A.manifest.mediaType} vs ${B.manifest.mediaType})`);
    const types = r.layers.filter((l) => l.sameBlob && l.a?.mediaType && l.b?.mediaType && l.a.mediaType !== l.b.mediaType);
    if (types.length) why.push(`layer media types differ for ${types.length} layer(s)`);
    if (!allSameLayers) why.push('the layers differ');
    const synth = [A.manifest.origin === 'synthesized' ? 'A' : '', B.manifest.origin === 'synthesized' ? 'B' : ''].filter(Boolean);
    if (synth.length) {
      why.push(`${synth.length === 2 ? 'both manifests are' : `${synth[0]}'s manifest is`} synthesized by stowage (the source holds none), naming uncompressed layers no registry serves`);
    }
    if (!why.length) why.push('the manifest bytes differ otherwise (annotations or formatting)');
    out.push(`Manifest: different digests, because ${why.join('; ')}.`);
  }
  // Summary.
  if (r.sameImageId && allSameLayers && r.sameManifest === false) {
    out.unshift('Verdict: the same image (same config and layers, so the same image ID), but a different manifest digest; see below.');
  } else if (r.sameImageId) out.unshift('Verdict: the same image.');
  else if (allSameLayers) out.unshift('Verdict: the same layers with a different config: an engine shares every layer, the image IDs differ.');
  else out.unshift('Verdict: different images.');
  return out;
}
