/**
 * apply of a patch delta: rebuilds every layer the delta patches from the base layers it names (bit for bit, its
 * DiffID proved), takes the layers the target held from the base by ChainID, and writes complete images anywhere
 * `apply` writes. A layer the target stored compressed comes back uncompressed, with the same DiffID (so the same
 * config and image ID): the report says which.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { Layer } from '../image/layer.js';
import type { ImageSource } from '../image/model.js';
import type { WritableImage, WritableLayer } from '../image/writable.js';
import { baseLayers } from './apply.js';
import { FileByteSource } from '../tar/bytesource.js';
import { decodeLayer } from '../patch/decode-layer.js';
import type { LayerPatch, PatchLayer } from '../patch/format.js';
import { LayerFile } from '../patch/layer-file.js';
import type { PatchDelta } from '../patch/read-delta.js';
import type { EngineTagMove } from '../transports/dest.js';
import { writeWhereTheyLand } from './site-write.js';
import { verified } from '../hash/verified.js';

export interface PatchApplyReport {
  schema: 'stowage.apply/v1';
  output: string;
  patch: true;
  images: { tags: string[]; imageId: Digest; fromDelta: number; fromBase: number; patched: number }[];
  /** Layers the target stored compressed, rebuilt uncompressed with the same DiffID. */
  uncompressed: { diffId: Digest; was: string }[];
  bytes: number;
  loaded?: string[];
  tagged?: EngineTagMove[];
  /** For a registry's root (`docker://SITE/`): the references the images landed under. */
  landed?: string[];
  /** Images the destination held already (an earlier, interrupted apply delivered them): not written again. */
  alreadyThere?: string[];
  /** `--receipt`: the file written, and how many images the site holds now. */
  receipt?: { file: string; images: number };
}

interface BaseRef { src: ImageSource; layer: Layer; n: number }

export async function applyPatchDelta(delta: PatchDelta, bases: ImageSource[], output: string, opts: { layout?: 'legacy' | 'oci'; onLayer?: (n: number) => void } = {}): Promise<PatchApplyReport> {
  // Whole base layers by ChainID (as apply takes them), and every base layer by DiffID for the patches to read.
  const byChain = baseLayers(bases);
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
  const rebuild = (l: PatchLayer): AsyncIterable<Buffer> => (async function* () {
    const p = usable(l, byDiff)!;
    const fs = [];
    for (const d of p.bases) fs.push(await baseFile(d));
    const src = await delta.source(p.digest);
    try {
      yield* coalesce(decodeLayer(src, fs, l.size, `${what}: the patch of layer ${l.diffId}`));
    } finally {
      await src.close();
    }
  })();
  const report: PatchApplyReport = { schema: 'stowage.apply/v1', output, patch: true, images: [], uncompressed: [], bytes: 0 };
  try {
    // A rebuilt layer is proved as it is written (the write pipeline stages every destination, so a layer that
    // does not rebuild leaves nothing behind: no second decode), and a mismatch says why.
    const rebuilt = (l: PatchLayer) => verified(rebuild(l), {
      what, digest: l.diffId, names: 'DiffID',
      says: (got) => `${what}: the patch of layer ${l.diffId} rebuilds ${got}: the base layers differ from the ones it was made against`,
    });
    const byChainIdx = new Map(index.layers.map((l) => [l.chainId, l]));
    const images: WritableImage[] = [];
    for (const img of index.images) {
      const config = await delta.bytes(img.config.digest);
      let fromDelta = 0, fromBase = 0, patched = 0;
      const layers: WritableLayer[] = img.layers.map((c) => {
        const l = byChainIdx.get(c)!;
        if (l.how === 'base') {
          fromBase++;
          return byChain.get(c)!.take();
        }
        fromDelta++;
        if (l.how === 'whole') {
          const blob = l.whole!.digest;
          return { diffId: l.diffId, size: l.whole!.size, compression: l.whole!.compression as WritableLayer['compression'], digest: blob, open: () => delta.stream(blob) };
        }
        patched++;
        if (l.storedCompression !== 'none' && !report.uncompressed.some((u) => u.diffId === l.diffId)) report.uncompressed.push({ diffId: l.diffId, was: l.storedCompression });
        // 'source': the rebuilt stream proves its own DiffID (verified above), so the copy only counts its bytes.
        return { diffId: l.diffId, size: l.size, compression: 'none', digest: l.diffId, open: () => rebuilt(l), check: 'source' };
      });
      images.push({ config, configDigest: img.config.digest, tags: img.tags, layers });
      report.images.push({ tags: img.tags, imageId: img.config.digest, fromDelta, fromBase, patched });
    }
    const r = await writeWhereTheyLand(output, images, { layout: opts.layout ?? 'legacy', ...(opts.onLayer ? { onLayer: opts.onLayer } : {}) });
    if (r.landed) report.landed = r.landed;
    if (r.alreadyThere?.length) report.alreadyThere = r.alreadyThere;
    report.bytes = r.bytes;
    if ('loaded' in r) report.loaded = (r as { loaded: string[] }).loaded;
    if (r.tagged) report.tagged = r.tagged;
    return report;
  } finally {
    for (const f of files.values()) await f.then((x) => x.close(), () => undefined);
  }
}

/** Gathers the decoder's many small pieces (headers, small files) into chunks of about 1 MiB for the writer. */
async function* coalesce(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const CHUNK = 1 << 20;
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of input) {
    if (c.length >= CHUNK && n === 0) {
      yield c;
      continue;
    }
    parts.push(c);
    n += c.length;
    if (n >= CHUNK) {
      yield Buffer.concat(parts, n);
      parts = [];
      n = 0;
    }
  }
  if (n) yield Buffer.concat(parts, n);
}

/** The first of a layer's patches whose base layers are all at hand (a bundle may carry one per site release). */
function usable(l: PatchLayer, held: Map<Digest, unknown>): LayerPatch | undefined {
  return [l.patch!, ...(l.alternatives ?? [])].find((p) => p.bases.every((b) => held.has(b)));
}
