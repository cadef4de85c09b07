/**
 * apply: rebuilds complete images from a thin archive plus its base, for engines that need every layer (the
 * containerd image store, podman, registries). Every layer the delta leaves out is taken from a base source by
 * its ChainID, and every DiffID is verified on the way (compressed base layers are decompressed on the side).
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { ImageSource } from '../image/model.js';
import { writableFrom, type WritableImage, type WritableLayer } from '../image/writable.js';
import { destAccepts, parseDestSpec, type DestSpec, type EngineTagMove } from '../transports/dest.js';
import { produce, type ImagesMade } from './produce.js';
import { readDeltaMeta } from './check.js';

export interface ApplyReport {
  schema: 'stowage.apply/v1';
  output: string;
  images: { tags: string[]; imageId: Digest; fromDelta: number; fromBase: number }[];
  bytes: number;
  loaded?: string[];
  /** For docker-daemon:, each tag the load set and the image it named before (null: a new tag). */
  tagged?: EngineTagMove[];
}

/**
 * Indexes every layer the base sources hold by ChainID (the same DiffID elsewhere in a stack is another layer).
 * `take` gives the writable layer a writer copies it from; each base image is made writable once, when first needed.
 * Into `dest`, a destination that is one file (it writes every layer it lists), the copy proves a layer alone: see
 * `provedByCopy`.
 */
export function baseLayers(bases: ImageSource[], dest: DestSpec): Map<Digest, { take(): WritableLayer }> {
  const copyProves = destAccepts(dest).shape === 'file';
  const m = new Map<Digest, { take(): WritableLayer }>();
  for (const src of bases) {
    for (const img of src.images) {
      let w: WritableImage | undefined;
      for (const l of img.layers) {
        if (!l.present || m.has(l.chainId)) continue;
        m.set(l.chainId, {
          take: () => {
            const layer = (w ??= writableFrom(src, img)).layers[l.index]!;
            return copyProves ? provedByCopy(layer) : layer;
          },
        });
      }
    }
  }
  return m;
}

/**
 * A plain tar in a real file, proved by the copy alone. As `writableFrom` gives it, such a layer is hashed twice:
 * by the source's hasher (`prove`, the whole file, on a worker) and by the copy threads that write it (the copy
 * checks its digest, which is the DiffID, against the config). Where every layer listed is written (one output
 * file), the copy's hash proves every byte that lands and the first is a second read and hash of the whole layer on
 * a 2-core machine (0.3 s of CPU for a 200 MB base layer): only the copy's is kept. The check is the same (its
 * DiffID against the config's, one line naming the layer, nothing written). Anything else is left as it is.
 */
function provedByCopy(w: WritableLayer): WritableLayer {
  if (w.compression !== 'none' || w.digest !== w.diffId || !w.locate || typeof w.check !== 'function' || !w.prove) return w;
  const { check: _check, prove: _prove, ...copied } = w;
  return copied;
}

export async function apply(delta: ImageSource, bases: ImageSource[], output: string, opts: { layout?: 'legacy' | 'oci'; onLayer?: (n: number) => void } = {}): Promise<ApplyReport> {
  return produce(await makeApply(delta, bases, output, opts));
}

/** The thin archive's images with the base's layers filled in, ready for the write pipeline (`produce`). */
export async function makeApply(delta: ImageSource, bases: ImageSource[], output: string, opts: { layout?: 'legacy' | 'oci'; onLayer?: (n: number) => void } = {}): Promise<ImagesMade<ApplyReport>> {
  const meta = await readDeltaMeta(delta);
  const dest = parseDestSpec(output, 'docker-archive');
  const available = baseLayers(bases, dest);
  const report: ApplyReport = { schema: 'stowage.apply/v1', output, images: [], bytes: 0 };
  const images: WritableImage[] = [];
  for (const img of delta.images) {
    const w = writableFrom(delta, img);
    let fromDelta = 0;
    let fromBase = 0;
    w.layers = w.layers.map((wl, i) => {
      const l = img.layers[i]!;
      if (wl.open) {
        fromDelta++;
        return wl;
      }
      const found = available.get(l.chainId);
      if (!found) {
        const who = meta?.requires.find((r) => r.chainId === l.chainId)?.providedBy ?? [];
        throw new StowageError(
          `the base does not hold layer ${i + 1} of ${img.tags[0] ?? img.config.digest} (ChainID ${l.chainId}, DiffID ${l.diffId}): ` +
            (who.length ? `this delta was made against ${who.join(', ')}; give it with --base` : 'give the image this delta was made against with --base'),
        );
      }
      fromBase++;
      return found.take();
    });
    // The source manifest (if any) named the delta's blobs; the writer makes a new one from the layers.
    delete w.manifest;
    images.push(w);
    report.images.push({ tags: img.tags, imageId: img.config.digest, fromDelta, fromBase });
  }
  if (!images.length) throw new StowageError(`${delta.spec}: holds no images`);
  return {
    images,
    dest,
    write: { layout: opts.layout ?? 'legacy', ...(opts.onLayer ? { onLayer: opts.onLayer } : {}) },
    report: (r) => {
      report.bytes = r.bytes;
      if (r.loaded) report.loaded = r.loaded;
      if (r.tagged) report.tagged = r.tagged;
      return report;
    },
  };
}
