/**
 * Layer patch versions: delta --patch writes version 2 (STWPTCH2: a block's small delta-coded files in one frame
 * against their old files), apply reads it and still reads version 1 (STWPTCH1, three frames a block), both bit for
 * bit. The version 1 patch is the version 2 one with its (empty) fourth frames taken out, which is exactly what the
 * version 1 encoder wrote for a layer without small delta-coded files. A version 1 patch that uses the version 2
 * kind is refused in one line.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { imageArchive } from '../helpers/build-image.js';
import { gnuTarLayer, seeded } from '../helpers/build-layer.js';
import { patchBlob } from '../helpers/delta-edit.js';
import { tarEntries } from '../helpers/tar-entries.js';
import { oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { SEGMENT } from '../../src/patch/format.js';
import { VarintReader } from '../../src/patch/varint.js';
import { decompress } from '../../src/patch/zstd.js';

const dir = scratch('stowage-patch-versions-');
const p = (n: string) => join(dir, n);

function text(seed: string, lines: number, changed = -1): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${seed} line ${i} ${createHash('md5').update(`${seed}${i % 40}${i === changed ? 'new' : ''}`).digest('hex')}`);
  return out.join('\n') + '\n';
}

/** A layer GNU tar wrote from these files (its own work folder under `name`). */
const layerOf = (record: Record<string, string | Buffer>, name: string) => gnuTarLayer(record, p(name));

/** A docker archive of one image of one layer. */
const archive = (path: string, layer: Buffer, tag: string) => imageArchive(path, [layer], { tag, history: () => ({ created_by: 'x' }), manifestFirst: true });

interface Frame { bytes: Buffer; raw: number; z: Buffer }

/** The frames of a version 2 layer patch, block by block: [ops, structure, literals, grouped, ...segments]. */
function blocks(blob: Buffer): { frames: Frame[]; grouped: number }[] {
  assert.equal(blob.subarray(0, 8).toString(), 'STWPTCH2');
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
  const out: { frames: Frame[]; grouped: number }[] = [];
  for (;;) {
    const frames = [frame(), frame(), frame(), frame()];
    const ops = new VarintReader(decompress(frames[0]!.z, frames[0]!.raw, undefined, 'test'), 'test');
    const n = ops.uint();
    const last = ops.uint();
    let segments = 0;
    let grouped = 0;
    for (let k = 0; k < n; k++) {
      ops.uint();
      const flags = ops.uint();
      if (flags & 2) ops.sint();
      ops.uint();
      const dataLen = ops.uint();
      if (dataLen === 0) continue;
      const kind = ops.uint();
      if (kind === 1 || kind === 2 || kind === 5) ops.uint();
      if (kind === 2 || kind === 4) segments += Math.ceil(dataLen / SEGMENT);
      if (kind === 5) grouped++;
    }
    for (let s = 0; s < segments; s++) frames.push(frame());
    out.push({ frames, grouped });
    if (last) break;
  }
  assert.equal(off, blob.length, 'the blocks account for every byte of the patch');
  return out;
}

/** The same patch in version 1: the magic, and every block without its fourth frame (which must be empty). */
function toV1(blob: Buffer): Buffer {
  const out: Buffer[] = [Buffer.from('STWPTCH1')];
  for (const b of blocks(blob)) {
    assert.equal(b.frames[3]!.raw, 0, 'no grouped deltas in a version 1 patch');
    out.push(...b.frames.filter((_, i) => i !== 3).map((f) => f.bytes));
  }
  return Buffer.concat(out);
}

/** The layer tars of a docker archive apply wrote. */
function layersOf(archivePath: string): Buffer[] {
  return tarEntries(archivePath).filter((e) => e.name.endsWith('.tar')).map((e) => e.data);
}

let smallTarget: Buffer;
let bigTarget: Buffer;

before(async () => {
  // Pair 1: twenty small config files each with one line changed (grouped), a 200 KB file changed (its own frame).
  const conf = (changed: boolean) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`etc/conf.d/part-${String.fromCharCode(97 + i)}.conf`, text(`conf${i}`, 150, changed ? 70 : -1)]));
  const blob = seeded('blob', 200_000);
  const blob2 = Buffer.concat([blob.subarray(0, 100_000), Buffer.from('a change in the middle'), blob.subarray(100_000)]);
  await archive(p('small-base.tar'), layerOf({ ...conf(false), 'usr/lib/blob.bin': blob, 'same.txt': text('same', 300) }, 'small-base'), 'v/small:1');
  smallTarget = layerOf({ ...conf(true), 'usr/lib/blob.bin': blob2, 'same.txt': text('same', 300) }, 'small-target');
  await archive(p('small-target.tar'), smallTarget, 'v/small:2');
  // Pair 2: only files over 64 KB change (no grouped deltas: what version 1 wrote the same way), one new file.
  const big = seeded('big', 9 << 20);
  const big2 = Buffer.concat([big.subarray(0, 5 << 20), Buffer.from('inserted bytes'), big.subarray(5 << 20)]);
  await archive(p('big-base.tar'), layerOf({ 'opt/big.bin': big, 'opt/notes.txt': text('notes', 4000), 'keep.txt': text('keep', 100) }, 'big-base'), 'v/big:1');
  bigTarget = layerOf({ 'opt/big.bin': big2, 'opt/notes.txt': text('notes', 4000, 1234), 'keep.txt': text('keep', 100), 'added.dat': seeded('added', 5000) }, 'big-target');
  await archive(p('big-target.tar'), bigTarget, 'v/big:2');
});

describe('layer patch versions', () => {
  it('writes version 2 with the small delta-coded files in one frame, and rebuilds the layer bit for bit', () => {
    assert.equal(stowage(['delta', p('small-target.tar'), '--base', p('small-base.tar'), '--patch', '-o', p('small.patch')]).status, 0);
    const bs = blocks(patchBlob(p('small.patch')).blob);
    assert.equal(bs.reduce((n, b) => n + b.grouped, 0), 20, 'the twenty changed config files are grouped');
    assert.ok(bs[0]!.frames[3]!.raw >= 20 * 150 * 40, 'the grouped frame holds their bytes');
    const r = stowage(['apply', p('small.patch'), '--base', p('small-base.tar'), '-o', p('small-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(layersOf(p('small-out.tar')).some((l) => l.equals(smallTarget)), 'the rebuilt layer is the target layer, byte for byte');
  });

  it('reads a version 1 patch (three frames a block) and rebuilds the same layer', async () => {
    assert.equal(stowage(['delta', p('big-target.tar'), '--base', p('big-base.tar'), '--patch', '-o', p('big.patch')]).status, 0);
    const { blob, rewrite } = patchBlob(p('big.patch'));
    assert.ok(blocks(blob).some((b) => b.frames.length > 4), 'the big file is coded in segments of its own');
    const v1 = toV1(blob);
    assert.equal(v1.subarray(0, 8).toString(), 'STWPTCH1');
    assert.ok(v1.length < blob.length);
    await rewrite(p('big-v1.patch'), v1);
    const r = stowage(['apply', p('big-v1.patch'), '--base', p('big-base.tar'), '-o', p('big-v1-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(layersOf(p('big-v1-out.tar')).some((l) => l.equals(bigTarget)), 'the version 1 patch rebuilds the target layer, byte for byte');
  });

  it('refuses a version 1 patch that uses the grouped kind of version 2, in one line', async () => {
    if (!existsSync(p('small.patch'))) assert.equal(stowage(['delta', p('small-target.tar'), '--base', p('small-base.tar'), '--patch', '-o', p('small.patch')]).status, 0);
    const { blob, rewrite } = patchBlob(p('small.patch'));
    await rewrite(p('mixed.patch'), Buffer.concat([Buffer.from('STWPTCH1'), blob.subarray(8)]));
    const r = stowage(['apply', p('mixed.patch'), '--base', p('small-base.tar'), '-o', p('mixed-out.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /corrupt patch \(data kind 5\)/);
    assert.equal(existsSync(p('mixed-out.tar')), false);
  });
});
