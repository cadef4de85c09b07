/**
 * The identities of an image and its layers, as the engines compute them.
 *
 * - DiffID: sha256 of a layer's uncompressed tar bytes; listed in the config's rootfs.diff_ids.
 * - ChainID: names a stack of layers. ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 *   The classic engine stores layers under their ChainID (image/<driver>/layerdb/sha256/<chainid>).
 * - Image ID: on the classic engine, the sha256 of the config JSON bytes; on the containerd image store, the
 *   manifest digest.
 * - Compressed (blob) digest: sha256 of the layer bytes as stored or transferred (gzip, zstd, or plain tar, in which
 *   case it equals the DiffID).
 */
import { sha256, type Digest } from './digest.js';

export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}
