/**
 * Proofs: what the write pipeline (transports/dest.ts `writeImages`) awaits before it lets a destination commit.
 * Nothing else decides it, so no writer and no op can forget it.
 *
 * - The config is the authority: an image's layer list must be the config's `rootfs.diff_ids`, in order, one for
 *   one (a patch index or an op's bookkeeping that says otherwise is refused), always, even with `--no-verify`.
 * - Every layer whose bytes are written or read to make the image is proved against its blob digest, size and
 *   DiffID: a layer read from a file is hashed by the source's worker threads beside the copy (`prove`, once per
 *   distinct file); a layer read from a stream (a registry blob) is decompressed on the side as it is copied, so
 *   the copy itself proves it (`diffIdInStream`, set here for the writers), with no second download.
 * - What an image was made from (the layers `squash` merged, `madeFrom`) is proved the same way.
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { Layer } from './layer.js';
import { proofOfLayer } from './layer-proof.js';
import type { ImageSource } from './model.js';
import type { WritableImage, WritableLayer } from './writable.js';

export { checkLayer, proofOfLayer } from './layer-proof.js';

export interface LayerProof {
  /** Resolves when every layer checked out; rejects with the first problem, in one line. */
  done(): Promise<void>;
}

/** A proof that checks nothing (--no-verify). */
export const NO_PROOF: LayerProof = { done: async () => undefined };

/** Starts proving layers of a source that no image is written from (`export` writes their merged files). */
export function proveLayers(src: ImageSource, layers: Layer[]): LayerProof {
  return started(layers.flatMap((l) => proofOfLayer(src, l) ?? []));
}

function started(proofs: (() => Promise<void>)[]): LayerProof {
  const all = Promise.all(proofs.map((p) => p())).then(() => undefined);
  all.catch(() => undefined); // awaited by done()
  return { done: () => all };
}

/** The config's DiffIDs, or a one-line error naming the image. */
function configDiffIds(img: WritableImage, what: string): Digest[] {
  let cfg: unknown;
  try {
    cfg = JSON.parse(img.config.toString('utf8'));
  } catch {
    throw new StowageError(`${what}: its config is not JSON; nothing written`);
  }
  const ids = (cfg as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  if (ids === undefined && img.layers.length === 0) return [];
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string')) throw new StowageError(`${what}: its config has no rootfs.diff_ids list; nothing written`);
  return ids as Digest[];
}

/** The image's layers are its config's, in order: the config is the authority on what the image is. */
export function checkLayerList(img: WritableImage): void {
  const what = `image ${img.tags[0] ?? img.configDigest}`;
  const ids = configDiffIds(img, what);
  if (ids.length !== img.layers.length) {
    throw new StowageError(`${what}: ${img.layers.length} layer${img.layers.length === 1 ? '' : 's'} given, but its config lists ${ids.length}; nothing written`);
  }
  img.layers.forEach((l, i) => {
    if (l.diffId !== ids[i]) throw new StowageError(`${what}: layer ${i + 1} has DiffID ${l.diffId}, but its config says ${ids[i]}; nothing written`);
  });
}

/**
 * The images as the writers get them when the pipeline proves: a layer with bytes and no proof of its own is
 * checked in-stream (its DiffID too, decompressing on the side).
 */
export function withStreamProofs(images: WritableImage[]): WritableImage[] {
  const mark = (l: WritableLayer): WritableLayer => (l.open && !l.prove && l.check !== 'size' ? { ...l, diffIdInStream: true } : l);
  return images.map((img) => ({ ...img, layers: img.layers.map(mark) }));
}

/** Starts the proof of everything the images were written or made from. */
export function proveImages(images: WritableImage[]): LayerProof {
  const proofs = new Set<() => Promise<void>>();
  for (const img of images) {
    for (const l of img.layers) if (l.open && l.prove) proofs.add(l.prove);
    for (const p of img.madeFrom ?? []) proofs.add(p);
  }
  return started([...proofs]);
}
