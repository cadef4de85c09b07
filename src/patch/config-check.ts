/**
 * A patch delta's image config against its index: the config's `rootfs.diff_ids` is the authority on an image's
 * layers (it is what the image ID hashes, and what every engine checks), so an index whose layer list says anything
 * else (reordered, cut short, a layer repeated) is refused before apply writes a thing.
 */
import { StowageError } from '../errors.js';
import { isRecord } from '../oci/json.js';
import { parseJsonInput } from '../oci/json-input.js';
import { PATCH_INDEX, type PatchIndex } from './format.js';

export function checkConfig(index: PatchIndex, img: PatchIndex['images'][number], bytes: Buffer, what: string): void {
  const at = `${what}: the config ${img.config.digest}`;
  const doc = parseJsonInput(bytes, at);
  const rootfs = isRecord(doc) ? doc.rootfs : undefined;
  const diffIds = isRecord(rootfs) ? rootfs.diff_ids : undefined;
  if (!Array.isArray(diffIds)) throw new StowageError(`${at}: not an image config (no rootfs.diff_ids)`);
  const byChain = new Map(index.layers.map((l) => [l.chainId, l.diffId]));
  const listed = img.layers.map((c) => byChain.get(c));
  const same = listed.length === diffIds.length && listed.every((d, i) => d === diffIds[i]);
  if (!same) {
    throw new StowageError(`${what}: the layers ${PATCH_INDEX} lists for ${img.tags[0] ?? img.config.digest} (${listed.length}) are not the ones its config's rootfs.diff_ids names (${diffIds.length}, in order); refused`);
  }
}
