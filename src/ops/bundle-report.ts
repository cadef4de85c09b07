/**
 * What the bundle view of `stowage report` shows, as plain data: a bundle (a patch delta made by `stowage bundle`,
 * or any patch delta) read from a file, standard input or its numbered parts. Reading it hashes every blob against
 * its name (and every part against its checksum), so the page describes a bundle that was proved, not one that was
 * merely parsed. Per image, its layers in order and how each reaches the site; per distinct layer, how it ships and
 * which images use it; the parts by number and size; the totals against what the sites lack.
 */
import { stat } from 'node:fs/promises';
import type { Digest } from '../oci/digest.js';
import type { PatchIndex } from '../patch/format.js';
import { scanParts } from '../parts/scan.js';
import type { PatchDelta } from '../patch/read-delta.js';
import { describePatchDelta, type PatchDescription } from './patch-inspect.js';

/** How one layer of one image reaches the site: held there, patched, whole, or in the bundle for an image above. */
export type ImageLayerWay = 'site' | 'patch' | 'whole' | 'shared';

export interface BundleReportImage {
  tags: string[];
  imageId: Digest;
  /** Bytes this image adds to the bundle: its config, and the layers it is the first image to ship. */
  shipped: number;
  configBytes: number;
  /** Of `shipped`: bytes of patches, and of layers shipped whole. */
  patchBytes: number;
  wholeBytes: number;
  counts: { layers: number; fromSite: number; patched: number; whole: number; shared: number };
  layers: { chainId: Digest; diffId: Digest; way: ImageLayerWay; size: number; shipped: number; layer: number; sharedWith?: string }[];
}

export interface BundleReportLayer {
  /** 1-based, the bundle index's order. */
  number: number;
  diffId: Digest;
  chainId: Digest;
  how: string;
  size: number;
  shipped: number;
  storedCompression: string;
  /** Patch: the base layers (DiffIDs) it reads, each with the images of the delta that hold it, when known. */
  bases: { diffId: Digest; heldBy: string[] }[];
  providedBy: string[];
  /** The images (tag, else image ID) that have this layer. */
  usedBy: string[];
}

export interface BundleReportData {
  schema: 'stowage.report-bundle/v1';
  generator: string;
  source: string;
  format: string;
  created: string;
  madeAgainst: string[];
  sites: PatchDescription['sites'];
  images: BundleReportImage[];
  layers: BundleReportLayer[];
  /** Read from numbered parts: each part's number, file and size (null when read from one file). */
  parts: { count: number; files: { number: number; file: string; bytes: number; payload: number }[] } | null;
  totals: {
    /**
     * The bundle's bytes: the file, or the payload its parts carry (the tar the parts cut); read from a pipe,
     * counted from its index and blob sizes.
     */
    bundleBytes: number;
    /** The part files' bytes on disk, headers and trailers included (null: not read from part files). */
    partFileBytes: number | null;
    /**
     * The layers the sites lack, as the images store them (patched or whole): what shipping them without patches
     * would cost. `lackingExact` is false when a patched layer was stored compressed: its uncompressed size counts.
     */
    lackingBytes: number;
    lackingExact: boolean;
    /** Layers left out because the sites hold them, and their bytes as recorded. */
    fromSite: { layers: number; bytes: number };
    patched: { layers: number; bytes: number };
    whole: { layers: number; bytes: number };
    configBytes: number;
  };
  blobsVerified: number;
}

/**
 * The bytes of the tar a patch delta is, from its index (for a bundle read from a pipe, whose size nobody told): one
 * 512-byte header per entry, contents padded to 512, the two end blocks. The index is counted as stowage writes it
 * (two-space JSON and a newline).
 */
function deltaTarBytes(index: unknown, blobSizes: number[]): number {
  const indexBytes = Buffer.byteLength(JSON.stringify(index, null, 2) + '\n');
  return [indexBytes, ...blobSizes].reduce((n, s) => n + 512 + Math.ceil(s / 512) * 512, 0) + 1024;
}

const nameOf = (i: { tags: string[]; imageId: string }): string => i.tags[0] ?? i.imageId;

/**
 * Per image, in the bundle's order, its layers and how each reaches the site; a layer an image above already put in
 * the bundle is "shared" (counted there). Also which images use each layer (by ChainID).
 */
function perImage(idx: PatchIndex): { images: BundleReportImage[]; usedBy: Map<Digest, string[]> } {
  const byChain = new Map(idx.layers.map((l, k) => [l.chainId, { l, k }]));
  const firstBy = new Map<Digest, string>();
  const usedBy = new Map<Digest, string[]>();
  const images: BundleReportImage[] = idx.images.map((m) => {
    const me = nameOf({ tags: m.tags, imageId: m.config.digest });
    const r: BundleReportImage = {
      tags: m.tags, imageId: m.config.digest, shipped: m.config.size + (m.manifest?.size ?? 0), configBytes: m.config.size + (m.manifest?.size ?? 0), patchBytes: 0, wholeBytes: 0,
      counts: { layers: m.layers.length, fromSite: 0, patched: 0, whole: 0, shared: 0 }, layers: [],
    };
    for (const c of m.layers) {
      const { l, k } = byChain.get(c)!;
      const users = usedBy.get(c) ?? usedBy.set(c, []).get(c)!;
      if (!users.includes(me)) users.push(me);
      // A bundle for sites at several releases carries a layer as several patches: all of them ship.
      const shipped = (l.patch?.size ?? l.whole?.size ?? 0) + (l.alternatives ?? []).reduce((t, a) => t + a.size, 0);
      const row = { chainId: c, diffId: l.diffId, size: l.size, layer: k + 1 };
      if (l.how === 'base') {
        r.counts.fromSite++;
        r.layers.push({ ...row, way: 'site', shipped: 0 });
      } else if (firstBy.has(c)) {
        r.counts.shared++;
        r.layers.push({ ...row, way: 'shared', shipped: 0, sharedWith: firstBy.get(c)! });
      } else {
        firstBy.set(c, me);
        r.shipped += shipped;
        if (l.how === 'patch') {
          r.counts.patched++;
          r.patchBytes += shipped;
        } else {
          r.counts.whole++;
          r.wholeBytes += shipped;
        }
        r.layers.push({ ...row, way: l.how === 'patch' ? 'patch' : 'whole', shipped });
      }
    }
    return r;
  });
  return { images, usedBy };
}

/** Describes a bundle (read and proved from a file, `-`, or parts: `inputs`) for the page; the caller closes it. */
export async function buildBundleReport(d: PatchDelta & { parts?: number }, inputs: string[], generator: string): Promise<BundleReportData> {
  const desc = describePatchDelta(d);
  const idx = d.index;
  /** Which images hold a DiffID among the layers the sites hold: a patch's bases, named for a person. */
  const heldBy = new Map<Digest, Set<string>>();
  for (const l of idx.layers) if (l.how === 'base') for (const p of l.providedBy ?? []) (heldBy.get(l.diffId) ?? heldBy.set(l.diffId, new Set()).get(l.diffId)!).add(p);
  const { images, usedBy } = perImage(idx);
  const layers: BundleReportLayer[] = desc.layers.map((l, k) => ({
    number: k + 1, diffId: l.diffId, chainId: l.chainId, how: l.how, size: l.size, shipped: l.shipped,
    storedCompression: l.storedCompression, providedBy: l.providedBy,
    bases: l.bases.map((b) => ({ diffId: b, heldBy: [...(heldBy.get(b) ?? [])] })),
    usedBy: usedBy.get(l.chainId) ?? [],
  }));
  const sum = (how: string, f: (l: BundleReportLayer) => number) => layers.filter((l) => l.how === how).reduce((n, l) => n + f(l), 0);
  // A patched layer's size is its tar's (the same as stored when it was stored uncompressed); a whole one ships as stored.
  const lackingBytes = sum('patch', (l) => l.size) + sum('whole', (l) => l.shipped);
  // Distinct configs: two entries naming one config carry one blob.
  const configBytes = [...new Map(idx.images.map((m) => [m.config.digest, m.config.size])).values()].reduce((n, x) => n + x, 0);
  const parts = d.parts ? await partFiles(inputs, d.parts) : null;
  const blobSizes = [...new Map([...idx.images.flatMap((m) => [[m.config.digest, m.config.size] as const, ...(m.manifest ? [[m.manifest.digest, m.manifest.size] as const] : [])]),
    ...(idx.index ? [[idx.index.digest, idx.index.size] as const] : []),
    ...idx.layers.flatMap((l) => [...(l.patch ? [[l.patch.digest, l.patch.size] as const] : l.whole ? [[l.whole.digest, l.whole.size] as const] : []),
      ...(l.alternatives ?? []).map((a) => [a.digest, a.size] as const)])]).values()];
  const single = !d.parts && inputs[0] !== '-' ? (await stat(inputs[0]!)).size : null;
  const bundleBytes = single ?? (parts?.files.length ? parts.files.reduce((n, p) => n + p.payload, 0) : deltaTarBytes(idx, blobSizes));
  return {
    schema: 'stowage.report-bundle/v1', generator, source: d.what, format: desc.format, created: desc.created,
    madeAgainst: desc.madeAgainst, sites: desc.sites, images, layers, parts,
    totals: {
      bundleBytes,
      partFileBytes: parts?.files.length ? parts.files.reduce((n, p) => n + p.bytes, 0) : null,
      lackingBytes,
      lackingExact: !idx.layers.some((l) => l.how === 'patch' && l.storedCompression !== 'none'),
      fromSite: { layers: layers.filter((l) => l.how === 'base').length, bytes: sum('base', (l) => l.size) },
      patched: { layers: layers.filter((l) => l.how === 'patch').length, bytes: sum('patch', (l) => l.shipped) },
      whole: { layers: layers.filter((l) => l.how === 'whole').length, bytes: sum('whole', (l) => l.shipped) },
      configBytes,
    },
    blobsVerified: desc.blobsVerified,
  };
}

/** The part files read (headers only: the set was proved whole by reading it); none when they came on a pipe. */
async function partFiles(inputs: string[], count: number): Promise<NonNullable<BundleReportData['parts']>> {
  if (inputs[0] === '-') return { count, files: [] };
  const scan = await scanParts(inputs);
  return { count, files: scan.parts.map((p) => ({ number: p.number, file: p.file, bytes: p.size, payload: p.length })) };
}
