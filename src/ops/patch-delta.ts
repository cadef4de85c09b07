/**
 * delta --patch: a delta that stays small when no layer is byte-identical. Every layer the target lacks (by ChainID)
 * is coded as a patch against the base's layers (src/patch/), rebuilt bit for bit by `stowage apply`; a layer
 * whose patch is not smaller than the layer as stored ships whole; layers the target holds are left out.
 * The output is a patch delta (docs/patch-format.md), not a docker archive: it needs `stowage apply`.
 *
 * Exact images: a patched layer the target stored gzip'd gets its recipe (src/compress/recipes/), so apply can make
 * the very blob again; one no recipe reproduces ships as its original blob instead (unless `newDigests`), and each
 * image's own manifest travels as a blob, so the image arrives with upstream's manifest digest.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { StowageError } from '../errors.js';
import { openOutput } from '../fs/atomic-output.js';
import { tempDir } from '../fs/temp.js';
import { sha256, type Digest } from '../oci/digest.js';
import type { Writable } from 'node:stream';
import type { Layer } from '../image/layer.js';
import type { ImageSource, LayerRecord } from '../image/model.js';
import { TarWriter } from '../tar/writer.js';
import { indexBases, indexTarget, type EncodeStats } from '../patch/encode-layer.js';
import { encodeForSites } from './site-patches.js';
import { PATCH_INDEX, PATCH_SCHEMA, type PatchImage, type PatchIndex, type PatchLayer, type PatchReferrer, type PatchSite } from '../patch/format.js';
import type { RegistryClient } from '../transports/registry/client.js';
import { arrivingBlob, checkImageIndex } from '../patch/manifest-check.js';
import { findRecipe } from '../compress/recipes/find-recipe.js';
import { describeRecipe } from '../compress/recipes/recipe.js';
import { DOCKER_MANIFEST, OCI_LAYER_GZIP, OCI_MANIFEST } from '../oci/mediatypes.js';
import type { SourceImage } from '../image/model.js';
import { blobPath } from '../oci/digest.js';
import { LayerFile } from '../patch/layer-file.js';
import type { HaveSet } from './have.js';
import { sourceIndex } from './copy.js';
import { findReferrers, sourceClient } from './referrers-find.js';
import { indexArtifactsFor } from './index-artifacts.js';

export interface PatchDeltaReport {
  schema: 'stowage.patch-delta/v1';
  output: string;
  images: PatchDeltaImage[];
  layers: PatchDeltaLayer[];
  /** True when made with `newDigests`: layers no recipe reproduces were patched anyway. */
  newDigests: boolean;
  /** Bytes of the patch delta written. */
  archiveBytes: number;
  /** Sum of the stored sizes of the layers the target lacks (what a layer-level delta would ship). */
  missingBytes: number;
  /** A multi-platform target: its image index, kept when every image it lists arrives exact. */
  index?: { digest?: Digest; exact: boolean; notExact?: string; referrers?: { tag?: string; digest: Digest; mediaType: string; blobs: number }[];
    /** Issue 20: the manifests it lists that are not images (BuildKit's attestations), carried with it. */
    artifacts?: { digest: Digest; mediaType: string; blobs: number }[] };
}

export interface PatchDeltaImage {
  tags: string[];
  imageId: Digest;
  /** Whether apply can write it with upstream's manifest digest (its manifest travels, every shipped blob is exact). */
  exact: boolean;
  /** The manifest digest it arrives with, when exact. */
  manifestDigest?: Digest;
  /** Why it will not arrive exact. */
  notExact?: string;
  /** Signatures, attestations and referrers indexes that travel with it (issue 20 item 3). */
  referrers?: { tag?: string; digest: Digest; mediaType: string; blobs: number }[];
}

export interface PatchDeltaLayer {
  diffId: Digest;
  chainId: Digest;
  how: PatchLayer['how'];
  size: number;
  shipped: number;
  bases?: Digest[];
  stats?: EncodeStats;
  providedBy?: string[];
  /** A patched gzip layer: the recipe that makes its blob again ("go-flate 1.8-1.26 level 6"), and that blob. */
  recipe?: string;
  blobDigest?: Digest;
  /** A layer that would have been a patch but no recipe reproduces its blob: why, and the patch's size. */
  noRecipe?: { reason: string; patchBytes: number };
  /** How it arrives: its stored blob made again ('exact'), or rebuilt as a plain tar ('new-digest' when stored compressed). */
  arrives: 'exact' | 'new-digest' | 'base';
  /** A bundle for sites at several releases: how many patches of the layer it carries (one per site release). */
  alternatives?: number;
}

function label(src: ImageSource, l: LayerRecord, n: number): string {
  return `${src.spec}: layer ${l.index + 1}/${n}`;
}

export interface PatchDeltaOptions {
  onLayer?: (n: number) => void;
  /**
   * What the receiving sites hold (`stowage have` records or apply receipts), when the bases are the sender's copies
   * of what the sites hold: a layer is left out only where every site holds it (by ChainID), and a patch is made
   * only against base layers every site holds (by DiffID), so one delta applies on each of them. Absent: the bases
   * are what the target holds.
   */
  sites?: HaveSet[];
  /** Named in the index (`sites`): the site states the delta was made for. */
  siteRecords?: PatchSite[];
  /**
   * Where the delta's bytes go instead of a file at `output`: given the delta's size (known before a byte is written)
   * and its set id (the sha256 of its index, which names everything else), e.g. numbered parts for media.
   */
  sink?: (size: number, setId: Digest) => Promise<DeltaSink>;
  /**
   * Patch a compressed layer even when no recipe reproduces its blob: it comes back as a plain tar with the same
   * DiffID, so the image gets new blob and manifest digests (smaller delta). Absent: such a layer ships as its
   * original blob, so the image arrives exact.
   */
  newDigests?: boolean;
}

/** An output that appears whole at `commit` or not at all. */
export interface DeltaSink {
  stream: NodeJS.WritableStream;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Bytes of a tar holding these entries (names under 100 bytes: one header block each) and its end. */
function tarBytes(sizes: number[]): number {
  return sizes.reduce((n, s) => n + 512 + Math.ceil(s / 512) * 512, 0) + 1024;
}

export async function writePatchDelta(targets: ImageSource[], bases: ImageSource[], output: string, opts: PatchDeltaOptions = {}): Promise<PatchDeltaReport> {
  // What the target holds, by ChainID (whole layers), and every base layer by DiffID (patch references).
  const held = new Map<Digest, string[]>();
  const baseByDiff = new Map<Digest, { src: ImageSource; layer: Layer; n: number }>();
  const sites = opts.sites;
  for (const b of bases) {
    for (const img of b.images) {
      const name = img.tags[0] ?? img.config.digest;
      for (const l of b.layers(img)) {
        if (!l.present) continue;
        if (!sites) held.set(l.chainId, [...(held.get(l.chainId) ?? []), name]);
        // With sites, a base layer some site holds: the common patch and each site's own read from these.
        if (sites && !sites.some((s) => s.diffIds.has(l.diffId))) continue;
        if (!baseByDiff.has(l.diffId)) baseByDiff.set(l.diffId, { src: b, layer: l, n: img.layers.length });
      }
    }
  }
  if (sites) {
    // Left out only where every site holds the layer stack; named by the first site's images that hold it.
    for (const [chain, names] of sites[0]?.chains ?? []) if (sites.every((s) => s.chains.has(chain))) held.set(chain, names);
  }
  const tmp = await tempDir('stowage-patch-');
  const opened: LayerFile[] = [];
  try {
    let baseSet: Awaited<ReturnType<typeof indexBases>> | undefined;
    const getBases = async () => {
      if (baseSet) return baseSet;
      const files: LayerFile[] = [];
      const ids: Digest[] = [];
      for (const [d, b] of baseByDiff) {
        const f = await LayerFile.open(b.layer, `base ${label(b.src, b.layer.record, b.n)}`);
        opened.push(f);
        files.push(f);
        ids.push(d);
      }
      return (baseSet = await indexBases(files, ids));
    };
    const baseImages = [...new Set(bases.flatMap((b) => b.images.map((i) => i.tags[0] ?? i.config.digest)))];
    const index: PatchIndex = { schema: PATCH_SCHEMA, created: new Date().toISOString(), images: [], layers: [], madeAgainst: bases.map((b) => b.spec), baseImages };
    const report: PatchDeltaReport = { schema: 'stowage.patch-delta/v1', output, images: [], layers: [], archiveBytes: 0, missingBytes: 0, newDigests: opts.newDigests === true };
    const entries = new Map<Digest, PatchLayer>();
    /** Blob digest -> how to write it. */
    const blobs = new Map<Digest, { size: number; open: () => AsyncIterable<Buffer> }>();
    const seen = new Set<Digest>();
    for (const src of targets) {
      for (const img of src.images) {
        const cfg = img.config.digest;
        blobs.set(cfg, { size: img.config.bytes.length, open: async function* () { yield img.config.bytes; } });
        const pimg: PatchImage = { tags: img.tags, config: { digest: cfg, size: img.config.bytes.length }, layers: img.layers.map((l) => l.chainId) };
        index.images.push(pimg);
        for (const l of img.layers) {
          if (seen.has(l.chainId)) continue;
          seen.add(l.chainId);
          const what = label(src, l, img.layers.length);
          const stored = l.storedSize ?? l.descriptor?.size ?? 0;
          const entry: PatchLayer = { diffId: l.diffId, chainId: l.chainId, size: 0, how: 'base', storedCompression: l.compression ?? 'none' };
          entries.set(l.chainId, entry);
          const providers = held.get(l.chainId);
          if (providers) {
            entry.size = stored;
            entry.providedBy = providers;
            index.layers.push(entry);
            report.layers.push({ diffId: l.diffId, chainId: l.chainId, how: 'base', size: stored, shipped: 0, providedBy: providers, arrives: 'base' });
            continue;
          }
          if (!l.present || !l.path) throw new StowageError(`${what}: not in the source, and the base does not hold it either (ChainID ${l.chainId})`);
          report.missingBytes += stored;
          const layer = src.layers(img)[l.index]!;
          const target = await LayerFile.open(layer, what);
          try {
            entry.size = target.size;
            // One patch, or (sites at several releases) one per site when together they are smaller.
            // The target's index is started before the bases' (made once, for the first layer), so the two interleave.
            indexTarget(target);
            const options = await encodeForSites(target, await getBases(), sites, tmp.dir, index.layers.length, what);
            const enc = options[0]!;
            const shipped = options.reduce((t, p) => t + p.size, 0);
            // A patch must save something worth a rebuild (1% and 4 KiB); else the layer ships as stored.
            let patch = shipped < stored - Math.max(4096, stored / 100);
            const blobDigest = async () => layer.digest ?? (await layer.digests()).digest;
            const r: PatchDeltaLayer = { diffId: l.diffId, chainId: l.chainId, how: 'patch', size: target.size, shipped, arrives: 'exact' };
            if (patch && entry.storedCompression !== 'none') {
              // The rebuilt tar must become the stored blob again, bit for bit: find the recipe (a second read of
              // the blob, beside its decompression), or ship the blob as it is.
              const digest = await blobDigest();
              const found = entry.storedCompression === 'gzip'
                ? await findRecipe(layer.compressed({ verify: false }), digest, what)
                : { recipe: null, reason: `${entry.storedCompression} layers are not reproduced yet` };
              if (found.recipe) {
                entry.blob = { digest, size: stored, mediaType: l.descriptor?.mediaType ?? OCI_LAYER_GZIP, recipe: found.recipe };
                r.recipe = describeRecipe(found.recipe);
                r.blobDigest = digest;
              } else if (opts.newDigests) {
                r.noRecipe = { reason: found.reason, patchBytes: shipped };
                r.arrives = 'new-digest';
              } else {
                r.noRecipe = { reason: found.reason, patchBytes: shipped };
                patch = false;
              }
            }
            if (patch) {
              entry.how = 'patch';
              const [first, ...more] = options.map((p) => ({ digest: p.digest, size: p.size, bases: p.bases, stats: { ...p.stats } }));
              entry.patch = first!;
              if (more.length) entry.alternatives = more;
              for (const p of options) blobs.set(p.digest, { size: p.size, open: () => createReadStream(p.path) });
              report.layers.push({ ...r, bases: enc.bases, stats: enc.stats, ...(more.length ? { alternatives: options.length } : {}) });
            } else {
              const digest = await blobDigest();
              entry.how = 'whole';
              entry.whole = { digest, size: stored, compression: l.compression ?? 'none' };
              blobs.set(digest, { size: stored, open: () => layer.compressed() });
              const { recipe: _r, blobDigest: _b, ...rest } = r;
              report.layers.push({ ...rest, how: 'whole', shipped: stored });
            }
          } finally {
            await target.close();
          }
          index.layers.push(entry);
          opts.onLayer?.(stored);
        }
        const line = keepManifest(img, pimg, entries, blobs);
        // Issue 20 item 3: the image's signatures and attestations travel with it, when it arrives exact.
        if (line.exact) await carryReferrers(src, pimg, line, blobs);
        report.images.push(line);
      }
    }
    if (!index.images.length) throw new StowageError('no target images');
    // A multi-platform target (or one image a registry serves under an index, as the containerd image store pushes
    // it): its index travels too when every platform's manifest does.
    const only = targets.length === 1 ? targets[0]! : undefined;
    if (only && (only.images.length > 1 || only.registry?.index)) {
      const x = await sourceIndex(only, only.images);
      if (!x) report.index = { exact: false, notExact: 'the source does not hold the index its images came from' };
      else {
        const d = sha256(x.bytes);
        const lost = report.images.find((i) => !i.exact);
        report.index = { digest: d, exact: !lost };
        if (lost) report.index.notExact = `${lost.tags[0] ?? lost.imageId} does not arrive exact`;
        else {
          index.index = { digest: d, size: x.bytes.length, mediaType: x.mediaType };
          // Issue 20: the index's attestation manifests (entries that are not images) travel with it, and their blobs.
          const extra = await indexArtifactsFor(only, x.bytes);
          if ('artifacts' in extra && extra.artifacts.length) {
            index.index.artifacts = extra.artifacts;
            report.index.artifacts = extra.artifacts.map((a) => ({ digest: a.digest, mediaType: a.mediaType, blobs: a.blobs.length }));
          }
          try {
            // The reader's own rule: it lists exactly these images' manifests and the artifacts carried.
            checkImageIndex(index, x.bytes, only.spec);
            blobs.set(d, { size: x.bytes.length, open: async function* () { yield x.bytes; } });
            if ('carry' in extra) extra.carry(blobs);
          } catch {
            delete index.index;
            report.index = { digest: d, exact: false, notExact: 'why' in extra ? extra.why : 'it lists manifests other than its images\' and the artifacts carried' };
          }
          // Issue 20 item 3: a signature of the index digest (`cosign sign` of a multi-platform tag) travels too.
          const client = index.index ? sourceClient(only) : undefined;
          const found = client ? await carryFound(client, d, only.spec, blobs) : [];
          if (found.length) {
            index.index!.referrers = found;
            report.index.referrers = found.map(reported);
          }
        }
      }
    }
    if (opts.siteRecords?.length) index.sites = opts.siteRecords;
    const indexBytes = Buffer.from(JSON.stringify(index, null, 2) + '\n');
    const size = tarBytes([indexBytes.length, ...[...blobs.values()].map((b) => b.size)]);
    const out = opts.sink ? await opts.sink(size, sha256(indexBytes)) : await openOutput(output);
    try {
      const w = new TarWriter(out.stream as Writable);
      await w.addFile(PATCH_INDEX, indexBytes);
      for (const [d, b] of blobs) await w.add({ name: blobPath(d), type: 'file', size: b.size, mode: 0o644 }, b.open());
      await w.finish();
      report.archiveBytes = w.bytes;
      if (w.bytes !== size) throw new StowageError(`${output}: ${w.bytes} bytes written where ${size} were planned`);
      await out.commit();
    } catch (e) {
      await out.abort();
      throw e;
    }
    return report;
  } finally {
    for (const f of opened) await f.close();
    await tmp.remove();
  }
}

/**
 * Records the target's own manifest in the delta when apply can write it as it was: the source stored it (a
 * registry, an OCI layout; not a manifest stowage would make up) and every layer the delta ships arrives as the blob
 * it names. Returns the image's line of the report, saying whether it arrives exact and, if not, why.
 */
function keepManifest(img: SourceImage, pimg: PatchImage, entries: Map<Digest, PatchLayer>, blobs: Map<Digest, { size: number; open: () => AsyncIterable<Buffer> }>): PatchDeltaImage {
  const line: PatchDeltaImage = { tags: img.tags, imageId: img.config.digest, exact: false };
  const m = img.manifest;
  if (!m || m.origin !== 'archive') {
    line.notExact = 'the source has no manifest of its own (a docker save archive or an engine): the destination makes one';
    return line;
  }
  if (m.mediaType !== OCI_MANIFEST && m.mediaType !== DOCKER_MANIFEST) {
    line.notExact = `its manifest is ${m.mediaType}, which stowage does not carry yet`;
    return line;
  }
  if (sha256(m.bytes) !== m.digest) {
    line.notExact = `its manifest's bytes do not hash to ${m.digest}`;
    return line;
  }
  const descs = m.parsed.layers;
  for (const [k, l] of img.layers.entries()) {
    const e = entries.get(l.chainId)!;
    if (e.how === 'base') continue;
    const want = arrivingBlob(e);
    if (!want) {
      line.notExact = `layer ${k + 1} is rebuilt as a plain tar (new blob digest): no recipe reproduces its ${e.storedCompression} blob, and --new-digests patched it anyway`;
      return line;
    }
    if (descs[k]?.digest !== want.digest) {
      line.notExact = `layer ${k + 1} arrives as ${want.digest}, but its manifest names ${descs[k]?.digest ?? 'nothing'}`;
      return line;
    }
  }
  pimg.manifest = { digest: m.digest, size: m.bytes.length, mediaType: m.mediaType };
  blobs.set(m.digest, { size: m.bytes.length, open: async function* () { yield m.bytes; } });
  line.exact = true;
  line.manifestDigest = m.digest;
  return line;
}

/**
 * Issue 20 item 3: what refers to the image's manifest in the registry repository it came from (cosign's tags, the
 * referrers tag scheme), each manifest and its blobs carried byte for byte as blobs of the delta.
 */
async function carryReferrers(src: ImageSource, pimg: PatchImage, line: PatchDeltaImage, blobs: Map<Digest, { size: number; open: () => AsyncIterable<Buffer> }>): Promise<void> {
  const client = sourceClient(src);
  if (!client || !pimg.manifest) return;
  const found = await carryFound(client, pimg.manifest.digest, src.spec, blobs);
  if (!found.length) return;
  pimg.referrers = found;
  line.referrers = found.map(reported);
}

/** The referrers of `subject` found in the client's repository, their manifests and blobs added to the delta's. */
async function carryFound(client: RegistryClient, subject: Digest, what: string, blobs: Map<Digest, { size: number; open: () => AsyncIterable<Buffer> }>): Promise<PatchReferrer[]> {
  const found = await findReferrers(client, subject, what);
  for (const r of found) {
    const bytes = r.bytes;
    blobs.set(r.digest, { size: bytes.length, open: async function* () { yield bytes; } });
    for (const b of r.blobs) if (!blobs.has(b.digest)) blobs.set(b.digest, { size: b.size, open: () => r.open(b.digest) });
  }
  return found.map(({ bytes: _b, open: _o, ...r }) => r);
}

function reported(r: PatchReferrer): { tag?: string; digest: Digest; mediaType: string; blobs: number } {
  return { ...(r.tag ? { tag: r.tag } : {}), digest: r.digest, mediaType: r.mediaType, blobs: r.blobs.length };
}
