/**
 * The proof of one layer a source holds: its bytes hashed once per distinct file by the source's hasher (worker
 * threads), held against the config's DiffID, the manifest's descriptor and the blob's name.
 */
import { StowageError } from '../errors.js';
import type { LayerDigests } from '../hash/layer-digest.js';
import { layerTypeCompression } from '../oci/mediatypes.js';
import type { Layer, LayerRecord } from './layer.js';
import type { ImageSource } from './model.js';

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

/**
 * The proof of one layer of a source, by its digests (hashed once per distinct file by the source's hasher), held
 * against the config, the manifest and the blob's name. Undefined when the source's layers prove themselves as
 * they are read (a registry blob): the copy is then asked to check the DiffID as the bytes pass.
 */
export function proofOfLayer(src: ImageSource, layer: Layer): (() => Promise<void>) | undefined {
  if (!layer.present || src.blobsProveThemselves) return undefined;
  let p: Promise<void> | undefined;
  return () => (p ??= (async () => {
    const l = layer.record;
    const problems: string[] = [];
    checkLayer(l, await layer.digests(), problems);
    if (problems.length) throw new StowageError(`${src.spec}: layer ${l.index + 1} (${l.path}): ${problems[0]}; nothing written (--no-verify skips this check)`);
  })());
}

