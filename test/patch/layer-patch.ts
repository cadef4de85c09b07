/**
 * A test's view of the layer patch inside a patch delta: its frames block by block, each block's operation list
 * decoded by the decoder's own coder (src/patch/op-list.ts, against the base layers' entries, which version 3's
 * lists are coded against), and the delta written again with the operation lists or frames changed (the blob renamed
 * by its new digest in the index), for tests that alter one field and expect apply to refuse it.
 */
import { tarEntries } from '../helpers/tar-entries.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeTar } from '../helpers/build-layer.js';
import { openSource } from '../../src/transports/open.js';
import { BaseTable } from '../../src/patch/base-index.js';
import { LayerFile } from '../../src/patch/layer-file.js';
import { DATA, SEGMENT } from '../../src/patch/format.js';
import { OpCoder, type EntryOp, type OldEntries } from '../../src/patch/op-list.js';
import { VarintWriter } from '../../src/patch/varint.js';
import { compress, decompress } from '../../src/patch/zstd.js';
import type { Layer } from '../../src/image/layer.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Frame {
  /** The frame with its two varints, as it stands in the patch. */
  bytes: Buffer;
  raw: number;
  z: Buffer;
}

export interface Block {
  /** ops, structure, literals, (version 2 on) grouped deltas, then the block's segment frames. */
  frames: Frame[];
  ops: EntryOp[];
  last: boolean;
  trailer: number;
}

export interface LayerPatch {
  version: 1 | 2 | 3;
  blob: Buffer;
  blocks: Block[];
  /** The same patch with every block's operation list coded again from `blocks[].ops` (as edited). */
  recode(): Buffer;
  /** Writes the delta again at `out` with `blob` as the layer patch. */
  rewrite(out: string, blob: Buffer): Promise<void>;
}

/** A small tar's entries (a test delta), by the test tree's one tar reader. */
export const readEntries = (b: Buffer): { name: string; data: Buffer }[] => tarEntries(b).map((e) => ({ name: e.name, data: Buffer.from(e.data) }));

/** The old entries of the base layers a patch names, numbered as the decoder numbers them. */
async function oldEntries(basePath: string, bases: string[]): Promise<OldEntries> {
  const src = await openSource(basePath);
  const byDiff = new Map<string, Layer>();
  for (const img of src.images) for (const l of src.layers(img)) byDiff.set(l.diffId, l);
  const files: LayerFile[] = [];
  try {
    for (const d of bases) files.push(await LayerFile.open(byDiff.get(d as `sha256:${string}`)!, d));
    return await BaseTable.of(files);
  } finally {
    for (const f of files) await f.close();
    await src.close();
  }
}

/** The (first) patched layer of the delta at `delta`, made against the base archive at `basePath`. */
export async function layerPatch(delta: string, basePath: string): Promise<LayerPatch> {
  const entries = readEntries(readFileSync(delta));
  const index = JSON.parse(entries[0]!.data.toString());
  const l = index.layers.find((x: { how: string }) => x.how === 'patch');
  const i = entries.findIndex((e) => e.name === `blobs/sha256/${l.patch.digest.slice(7)}`);
  const blob = entries[i]!.data;
  const magic = blob.subarray(0, 8).toString();
  assert.match(magic, /^STWPTCH[123]$/);
  const version = Number(magic[7]) as 1 | 2 | 3;
  const old = await oldEntries(basePath, l.patch.bases);
  const coder = new OpCoder(version, old, (why) => new Error(`test: ${why}`));
  let off = 8;
  const uint = () => {
    let n = 0;
    for (let mul = 1; ; mul *= 128) {
      const c = blob[off++]!;
      n += (c & 0x7f) * mul;
      if (c < 0x80) return n;
    }
  };
  const frame = (): Frame => {
    const start = off;
    const raw = uint();
    const len = uint();
    off += len;
    return { bytes: blob.subarray(start, off), raw, z: blob.subarray(off - len, off) };
  };
  const blocks: Block[] = [];
  for (;;) {
    const frames = [frame()];
    const { ops, last, trailer } = coder.decode(decompress(frames[0]!.z, frames[0]!.raw, undefined, 'test'), 'test', 1 << 20);
    for (let k = version >= 2 ? 3 : 2; k > 0; k--) frames.push(frame());
    for (const op of ops) {
      if (op.kind === DATA.DELTA || op.kind === DATA.BIG) for (let s = 0; s < Math.ceil(op.dataLen / SEGMENT); s++) frames.push(frame());
      if (op.kind === DATA.GZ_DELTA) frames.push(frame());
    }
    blocks.push({ frames, ops, last, trailer });
    if (last) break;
  }
  assert.equal(off, blob.length, 'the blocks account for every byte of the patch');
  return {
    version,
    blob,
    blocks,
    recode() {
      const again = new OpCoder(version, old, (why) => new Error(`test: ${why}`));
      const out: Buffer[] = [blob.subarray(0, 8)];
      for (const b of blocks) {
        const raw = again.encode(b);
        const z = compress(raw, 19);
        const head = new VarintWriter();
        head.uint(raw.length);
        head.uint(z.length);
        out.push(head.bytes(), z, ...b.frames.slice(1).map((f) => f.bytes));
      }
      return Buffer.concat(out);
    },
    async rewrite(out, newBlob) {
      l.patch.digest = sha(newBlob);
      l.patch.size = newBlob.length;
      const copy = [...entries];
      copy[i] = { name: `blobs/sha256/${l.patch.digest.slice(7)}`, data: newBlob };
      copy[0] = { name: copy[0]!.name, data: Buffer.from(JSON.stringify(index)) };
      await writeTar(out, copy);
    },
  };
}
