/**
 * apply of a patch delta: rebuilds every layer the delta patches from the base layers it names (bit for bit, its
 * DiffID proved), takes the layers the target held from the base by ChainID, and writes complete images anywhere
 * `apply` writes. A destination that stores manifests (a registry, an OCI layout) gets the image exact where the
 * delta allows: a layer with a recipe is recompressed into the very blob the target stored (its digest proved as it
 * is written), and the target's own manifest bytes are written as they were, so the manifest digest is upstream's.
 * Elsewhere (a docker archive, an engine, or a delta made with new digests) a layer the target stored compressed
 * comes back uncompressed, with the same DiffID (so the same config and image ID): the report says which.
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { Layer } from '../image/layer.js';
import type { ImageSource } from '../image/model.js';
import type { WritableImage, WritableLayer } from '../image/writable.js';
import { baseLayers } from './apply.js';
import { decodePieces } from '../patch/decode-layer.js';
import { GzThread } from '../patch/gz-thread.js';
import type { LayerPatch, PatchLayer } from '../patch/format.js';
import { LayerFile } from '../patch/layer-file.js';
import { gathered, runAhead } from '../patch/run-ahead.js';
import { BufferPool } from '../patch/buffer-pool.js';
import type { PatchDelta } from '../patch/read-delta.js';
import type { EngineTagMove } from '../transports/dest.js';
import { landingDest } from './site-write.js';
import { produce, type ImagesMade } from './produce.js';
import { digestOf, verified } from '../hash/verified.js';
import { encodeThreaded } from '../compress/recipes/encode-threaded.js';
import { describeRecipe } from '../compress/recipes/recipe.js';
import { checkManifest } from '../patch/manifest-check.js';
import type { Descriptor } from '../oci/types.js';
import { destAccepts } from '../transports/dest.js';
import { keepReferrersInLayout, pushReferrers, readyReferrers, type ReadyReferrer } from './referrers-push.js';
import { nameOnSite, registryRoot } from './site-names.js';
import { artifactsFromDelta, keepIndexInLayout } from './index-artifacts.js';
import type { PushOptions } from '../transports/registry/options.js';

export interface PatchApplyReport {
  schema: 'stowage.apply/v1';
  output: string;
  patch: true;
  images: PatchApplyImage[];
  /** Layers the target stored compressed, rebuilt uncompressed with the same DiffID. */
  uncompressed: { diffId: Digest; was: string }[];
  bytes: number;
  /** A multi-platform image: whether upstream's index was written as it was (a registry, an OCI layout), and its digest. */
  index?: { exact: boolean; digest?: Digest; notExact?: string; referrers?: { pushed: string[] } | { kept: string[] } | { skipped: number; why: string } };
  loaded?: string[];
  tagged?: EngineTagMove[];
  /** For a registry's root (`docker://SITE/`): the references the images landed under. */
  landed?: string[];
  /** Images the destination held already (an earlier, interrupted apply delivered them): not written again. */
  alreadyThere?: string[];
  /** `--receipt`: the file written, and how many images the site holds now. */
  receipt?: { file: string; images: number };
}

export interface PatchApplyImage {
  tags: string[];
  imageId: Digest;
  fromDelta: number;
  fromBase: number;
  patched: number;
  /** Layers recompressed by their recipe into the blob the target stored. */
  recompressed: number;
  /** Written with the target's own manifest bytes: the manifest digest is upstream's. */
  exact: boolean;
  manifestDigest?: Digest;
  /** Why not exact. */
  notExact?: string;
  /** Issue 20 item 3: the referrers (signatures, attestations) pushed beside it, or why they were not. */
  referrers?: { pushed: string[] } | { kept: string[] } | { skipped: number; why: string };
}

interface BaseRef { src: ImageSource; layer: Layer; n: number }

export async function applyPatchDelta(delta: PatchDelta, bases: ImageSource[], output: string, opts: { layout?: 'legacy' | 'oci'; onLayer?: (n: number) => void } = {}): Promise<PatchApplyReport> {
  return produce(await makePatchApply(delta, bases, output, opts));
}

/**
 * The images a patch delta rebuilds (each layer proved as it is made, exact ones recompressed by their recipes), for
 * the write pipeline (`produce`): they land one at a time where `output` says, then their referrers go beside them.
 */
export async function makePatchApply(delta: PatchDelta, bases: ImageSource[], output: string, opts: { layout?: 'legacy' | 'oci'; onLayer?: (n: number) => void } = {}): Promise<ImagesMade<PatchApplyReport>> {
  // Whole base layers by ChainID (as apply takes them), and every base layer by DiffID for the patches to read.
  // What the images land in (a registry's root: a repository of it, for what it accepts).
  const dest = landingDest(output);
  const byChain = baseLayers(bases, dest);
  const byDiff = new Map<Digest, BaseRef>();
  for (const src of bases) {
    for (const img of src.images) {
      for (const l of src.layers(img)) if (l.present && !byDiff.has(l.diffId)) byDiff.set(l.diffId, { src, layer: l, n: img.layers.length });
    }
  }
  const { index, what } = delta;
  // A bundle names the site states it was made for: a destination holding none of them (a receipt or have file from
  // another site) is told so by those names.
  const against = index.sites?.length ? `; it was made for sites holding what ${index.sites.map((s) => s.name).join(' or ')} record${index.sites.length === 1 ? 's' : ''}`
    : index.madeAgainst.length ? `; it was made against ${index.madeAgainst.join(', ')}` : '';
  // Everything the delta needs from the base is checked before anything is written.
  for (const [i, l] of index.layers.entries()) {
    if (l.how === 'base' && !byChain.has(l.chainId)) {
      throw new StowageError(`the base does not hold layer ${i + 1} of the delta (ChainID ${l.chainId}, DiffID ${l.diffId}${l.providedBy?.length ? `, held by ${l.providedBy.join(', ')}` : ''})${against}; give it with --base`);
    }
    if (l.how === 'patch' && !usable(l, byDiff)) {
      const d = l.patch!.bases.find((b) => !byDiff.has(b));
      const alts = l.alternatives?.length ? ` (nor the base layers of its ${l.alternatives.length} other patch${l.alternatives.length === 1 ? '' : 'es'}, made for sites at other releases)` : '';
      throw new StowageError(`the base does not hold layer DiffID ${d}, which the patch of layer ${l.diffId} is made against${alts}${against}; give it with --base`);
    }
  }
  const files = new Map<Digest, Promise<LayerFile>>();
  const baseFile = (d: Digest) => {
    let f = files.get(d);
    if (!f) {
      const b = byDiff.get(d)!;
      f = LayerFile.open(b.layer, `base ${b.src.spec}: layer ${b.layer.index + 1}/${b.n}`);
      files.set(d, f);
    }
    return f;
  };
  // One gzip thread for the apply, started by the first gzip file met, stopped with the base files.
  let gz: GzThread | undefined;
  const gzThread = () => (gz ??= new GzThread(what));
  const rebuild = (l: PatchLayer, reuse = false): AsyncIterable<Buffer> => (async function* () {
    const p = usable(l, byDiff)!;
    const fs = [];
    for (const d of p.bases) fs.push(await baseFile(d));
    const src = await delta.source(p.digest);
    // Decode and write: the base files' data read into lent buffers and small pieces gathered into them; each given
    // back when copied into a gathered chunk, or, to a writer that is done with a chunk when it asks for the next
    // (`reuse`), when it asks.
    const pool = new BufferPool();
    const give = (b: Buffer) => pool.give(b);
    try {
      // Decoded ahead of the writer, in ~1 MiB chunks, big pieces passed on without a copy; gzip files inside it
      // compressed again on a thread of their own, while the decoder runs on.
      const pieces = decodePieces(src, fs, l.size, `${what}: the patch of layer ${l.diffId}`, gzThread(), pool);
      yield* runAhead(gathered(pieces, pool), undefined, reuse ? give : undefined);
    } finally {
      await src.close();
    }
  })();
  const report: PatchApplyReport = { schema: 'stowage.apply/v1', output, patch: true, images: [], uncompressed: [], bytes: 0 };
  const closeFiles = async () => {
    for (const f of files.values()) await f.then((x) => x.close(), () => undefined);
    await gz?.close();
  };
  try {
    // A rebuilt layer is proved as it is written (the write pipeline stages every destination, so a layer that
    // does not rebuild leaves nothing behind: no second decode), and a mismatch says why.
    const rebuilt = (l: PatchLayer, reuse = false) => verified(rebuild(l, reuse), {
      what, digest: l.diffId, names: 'DiffID',
      says: (got) => `${what}: the patch of layer ${l.diffId} rebuilds ${got}: the base layers differ from the ones it was made against`,
    });
    const byChainIdx = new Map(index.layers.map((l) => [l.chainId, l]));
    // Exact images need a destination that stores the manifest as given (a registry, an OCI layout).
    const keepsManifests = destAccepts(dest).manifest === 'always';
    const images: WritableImage[] = [];
    // Issue 20 item 3: each image's referrers, held against the index before anything is written.
    const referrers: ReadyReferrer[][] = [];
    const indexReferrers = index.index ? await readyReferrers(delta, index.index, 'index', index.index.digest) : [];
    for (const img of index.images) {
      referrers.push(await readyReferrers(delta, img, `images[${index.images.indexOf(img)}]`, img.manifest?.digest));
      const config = await delta.bytes(img.config.digest);
      const line: PatchApplyImage = { tags: img.tags, imageId: img.config.digest, fromDelta: 0, fromBase: 0, patched: 0, recompressed: 0, exact: false };
      // The kept manifest, checked against the index when the delta was read; here against the base's blobs.
      let manifest: { bytes: Buffer; descs: Descriptor[] } | undefined;
      if (!img.manifest) line.notExact = 'the delta carries no manifest for it (see the delta\'s report)';
      else if (!keepsManifests) line.notExact = `${dest.text} makes its own manifest`;
      else {
        const bytes = await delta.bytes(img.manifest.digest);
        manifest = { bytes, descs: checkManifest(index, img, bytes, what) };
      }
      const base = new Map<number, WritableLayer>();
      for (const [k, c] of img.layers.entries()) {
        if (byChainIdx.get(c)!.how !== 'base') continue;
        const w = byChain.get(c)!.take();
        base.set(k, w);
        if (!manifest) continue;
        // A base blob that is not upstream's (a docker archive's plain tar, another encoder's gzip) would make another manifest.
        const d = w.digest ?? (w.open ? (w.digest = (await digestOf(w.open())).digest) : undefined);
        const want = manifest.descs[k]!;
        if (d !== want.digest) {
          line.notExact = `the base holds layer ${k + 1} as ${d ?? 'a blob of unknown digest'}, and upstream's manifest names ${want.digest}`;
          manifest = undefined;
        }
      }
      const layers: WritableLayer[] = img.layers.map((c, k) => {
        const l = byChainIdx.get(c)!;
        if (l.how === 'base') {
          line.fromBase++;
          return base.get(k)!;
        }
        line.fromDelta++;
        if (l.how === 'whole') {
          const blob = l.whole!.digest;
          return { diffId: l.diffId, size: l.whole!.size, compression: l.whole!.compression as WritableLayer['compression'], digest: blob, open: () => delta.stream(blob) };
        }
        line.patched++;
        if (manifest && l.blob) {
          // Recompressed by its recipe: the rebuilt tar is proved against the DiffID, the blob against the digest
          // and size the target stored it under (a recipe that does not reproduce it fails here, one line, before
          // any commit); the copy checks the count, and the pipeline the DiffID once more from the blob itself.
          const b = l.blob;
          line.recompressed++;
          const at = `${what}: layer ${l.diffId} recompressed by ${describeRecipe(b.recipe)}`;
          // On a thread of its own: layers the writer takes at once recompress on as many cores.
          const open = () => verified(encodeThreaded(b.recipe, rebuilt(l), at), {
            what: at, digest: b.digest, size: b.size,
            meaning: 'the recipe does not reproduce the blob the target stored; nothing written',
          });
          return { diffId: l.diffId, size: b.size, compression: 'gzip', digest: b.digest, open, check: 'source' };
        }
        if (l.storedCompression !== 'none' && !report.uncompressed.some((u) => u.diffId === l.diffId)) report.uncompressed.push({ diffId: l.diffId, was: l.storedCompression });
        // 'source': the rebuilt stream proves its own DiffID (verified above), so the copy only counts its bytes.
        // (verified holds no chunk after it passed it on, so the writer's `reuse` carries through it.)
        return { diffId: l.diffId, size: l.size, compression: 'none', digest: l.diffId, open: (o) => rebuilt(l, o?.reuse), check: 'source' };
      });
      const w: WritableImage = { config, configDigest: img.config.digest, tags: img.tags, layers };
      if (manifest) {
        // The blobs are the manifest's, so its bytes are kept as they are: the digest upstream's registry served.
        layers.forEach((l, k) => { l.descriptor = manifest!.descs[k]!; });
        w.manifest = { bytes: manifest.bytes, digest: img.manifest!.digest, mediaType: img.manifest!.mediaType };
        line.exact = true;
        line.manifestDigest = img.manifest!.digest;
        delete line.notExact;
      }
      images.push(w);
      report.images.push(line);
    }
    // A multi-platform image (or one a registry served under an index) keeps upstream's index when every image in it is exact (a registry pushes it as it
    // is when it lists exactly the manifests pushed and its attestations; an OCI layout names it in index.json; other destinations list the images themselves).
    const push: Pick<PushOptions, 'index'> = {};
    // Issue 20: an OCI layout directory keeps upstream's index too (index-artifacts.ts), with its attestations.
    const layoutDir = dest.kind === 'oci' && registryRoot(output) === undefined ? dest.path : undefined;
    if (index.index && (images.length > 1 || destAccepts(dest).shape === 'registry' || layoutDir)) {
      const lost = report.images.find((i) => !i.exact);
      if (lost) report.index = { exact: false, notExact: `${lost.tags[0] ?? lost.imageId} is not exact` };
      else if (layoutDir) report.index = { exact: true, digest: index.index.digest };
      else if (destAccepts(dest).shape !== 'registry') report.index = { exact: false, notExact: `${dest.text} lists the images in an index of its own` };
      else {
        push.index = { bytes: await delta.bytes(index.index.digest), mediaType: index.index.mediaType };
        // Issue 20: the attestation manifests it lists go with it, pushed with their blobs before it (index-artifacts.ts).
        const extra = await artifactsFromDelta(delta);
        if (extra.length) push.index.attached = extra;
        report.index = { exact: true, digest: index.index.digest };
      }
    }
    return {
      images,
      dest: { landing: output },
      write: { layout: opts.layout ?? 'legacy', ...(opts.onLayer ? { onLayer: opts.onLayer } : {}), ...(push.index ? { push } : {}) },
      report: async (r) => {
        if (r.landed) report.landed = r.landed;
        if (r.alreadyThere?.length) report.alreadyThere = r.alreadyThere;
        report.bytes = r.bytes;
        if (r.loaded) report.loaded = r.loaded;
        if (r.tagged) report.tagged = r.tagged;
        // Issue 20: into an OCI layout, upstream's index (and its attestations) after the images it names.
        if (layoutDir && report.index?.exact) await keepIndexInLayout(delta, layoutDir, dest.tag, images.flatMap((i) => i.tags));
        await deliverReferrers(delta, output, images, referrers, report);
        if (indexReferrers.length) await deliverIndexReferrers(delta, output, images, indexReferrers, report);
        return report;
      },
      release: closeFiles,
    };
  } catch (e) {
    await closeFiles();
    throw e;
  }
}

/** The first of a layer's patches whose base layers are all at hand (a bundle may carry one per site release). */
function usable(l: PatchLayer, held: Map<Digest, unknown>): LayerPatch | undefined {
  return [l.patch!, ...(l.alternatives ?? [])].find((p) => p.bases.every((b) => held.has(b)));
}

/**
 * Issue 20 item 3: after the images landed, their referrers go beside each one that arrived with upstream's manifest
 * digest in a registry (what they sign); anywhere else the report says they were left behind and why.
 */
async function deliverReferrers(delta: PatchDelta, output: string, images: WritableImage[], referrers: ReadyReferrer[][], report: PatchApplyReport): Promise<void> {
  const host = registryRoot(output);
  const registry = host !== undefined || output.startsWith('docker://');
  const dest = landingDest(output);
  for (const [i, line] of report.images.entries()) {
    const list = referrers[i] ?? [];
    if (!list.length) continue;
    const layout = !registry && dest.kind === 'oci' ? dest.path : undefined;
    if (!registry && !layout) line.referrers = { skipped: list.length, why: `${output} makes its own manifests: referrers go into registries and OCI layouts only` };
    else if (!line.exact) line.referrers = { skipped: list.length, why: 'the image did not arrive with upstream\'s manifest digest, which they sign' };
    else if (layout) line.referrers = { kept: await keepReferrersInLayout(delta, layout, line.manifestDigest!, list) };
    else {
      // The repositories the image landed in: each of its names at a registry's root, else the one named.
      const pushed: string[] = [];
      for (const repo of landedIn(output, host, images[i]!)) pushed.push(...await pushReferrers(delta, repo, list));
      line.referrers = { pushed };
    }
  }
}

/** The repositories an image landed in: each of its names at a registry's root, else the one named. */
function landedIn(output: string, host: string | undefined, img: WritableImage): string[] {
  return host ? [...new Set(img.tags.map((t) => `docker://${host}/${nameOnSite(t)}`))] : [output];
}

/**
 * Issue 20 item 3: the signatures of a multi-platform image's index digest go beside the index when it arrived as
 * upstream's (a registry); elsewhere (an OCI layout lists the images in an index of its own) the report says why not.
 */
async function deliverIndexReferrers(delta: PatchDelta, output: string, images: WritableImage[], list: ReadyReferrer[], report: PatchApplyReport): Promise<void> {
  if (!report.index?.exact) {
    if (report.index) report.index.referrers = { skipped: list.length, why: 'the index did not arrive with upstream\'s digest, which they sign' };
    return;
  }
  const host = registryRoot(output);
  const dest = landingDest(output);
  // Issue 20: an OCI layout keeps upstream's index now, so its signatures go beside it there.
  if (host === undefined && dest.kind === 'oci') {
    report.index.referrers = { kept: await keepReferrersInLayout(delta, dest.path, report.index.digest!, list) };
    return;
  }
  const pushed: string[] = [];
  for (const repo of new Set(images.flatMap((img) => landedIn(output, host, img)))) pushed.push(...await pushReferrers(delta, repo, list));
  report.index.referrers = { pushed };
}
