/**
 * Proving the layers a command reads: every present layer is hashed (blob digest, size and DiffID) by worker
 * threads while the command copies or merges it, and held against what the manifest, the config and the blob's name
 * say. Commands await the proof before their output is committed, so a tampered or mislabelled layer never yields a
 * plausible image (`copy`, `edit`, `export`, `squash`; `--no-verify` skips it). Each distinct file is hashed once
 * however many times an image names it, by the source's own hasher (closed with the source).
 */
import { StowageError } from '../errors.js';
import type { LayerDigests } from '../hash/layer-digest.js';
import { layerTypeCompression } from '../oci/mediatypes.js';
import type { Layer } from './layer.js';
import type { ImageSource, LayerRecord } from './model.js';

/** Every way the digests of a layer's bytes can disagree with what names them; appended to `problems`. */
export function checkLayer(l: LayerRecord, d: LayerDigests, problems: string[]): void {
  if (d.diffId !== l.diffId) problems.push(`DiffID is ${d.diffId}, but the config says ${l.diffId}`);
  if (l.descriptor) {
    if (d.digest !== l.descriptor.digest) problems.push(`blob digest is ${d.digest}, but the manifest says ${l.descriptor.digest}`);
    if (d.size !== l.descriptor.size) problems.push(`blob is ${d.size} bytes, but the manifest says ${l.descriptor.size}`);
    const declared = layerTypeCompression(l.descriptor.mediaType);
    if (declared && declared !== d.compression) problems.push(`media type ${l.descriptor.mediaType} says ${declared}, but the bytes are ${d.compression}`);
  }
  const m = l.path ? /^blobs\/sha256\/([a-f0-9]{64})$/.exec(l.path) : null;
  if (m && `sha256:${m[1]}` !== d.digest) problems.push(`${l.path} hashes to ${d.digest}, not to the digest in its name`);
}

export interface LayerProof {
  /** Resolves when every layer checked out; rejects with the first problem, in one line. */
  done(): Promise<void>;
}

/** Starts proving `layers` of `src` (a no-op for a registry source, whose blob streams check their own digests). */
export function proveLayers(src: ImageSource, layers: Layer[]): LayerProof {
  if (src.format === 'registry') return NO_PROOF;
  const checks = layers.filter((l) => l.present).map(async (layer) => {
    const l = layer.record;
    const d = await layer.digests();
    const problems: string[] = [];
    checkLayer(l, d, problems);
    if (problems.length) throw new StowageError(`${src.spec}: layer ${l.index + 1} (${l.path}): ${problems[0]}; nothing written (--no-verify skips this check)`);
  });
  const all = Promise.all(checks).then(() => undefined);
  all.catch(() => undefined); // awaited by done()
  return { done: () => all };
}

/** A proof that checks nothing (--no-verify). */
export const NO_PROOF: LayerProof = { done: async () => undefined };
