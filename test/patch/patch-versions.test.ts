/**
 * Layer patch versions: delta --patch writes version 3 (STWPTCH3: the operation lists coded against the old entries'
 * lengths, a column a field; an unchanged header not sent), apply reads it and still reads version 2 (STWPTCH2,
 * which STOWAGE_PATCH_VERSION=2 makes the encoder write: a block's small delta-coded files in one frame against
 * their old files) and version 1 (STWPTCH1, three frames a block), all bit for bit. The version 1 patch is the
 * version 2 one with its (empty) fourth frames taken out, which is exactly what the version 1 encoder wrote for a
 * layer without small delta-coded files. A version 1 patch that uses the version 2 kind, and a version 2 patch that
 * uses version 3's flag, are refused in one line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { imageArchive } from '../helpers/build-image.js';
import { oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { seeded } from '../helpers/build-layer.js';
import { DATA, STRUCT_SAME } from '../../src/patch/format.js';
import { layerPatch, readEntries, type LayerPatch } from './layer-patch.js';

const dir = scratch('stowage-patch-versions-');
const p = (n: string) => join(dir, n);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function text(seed: string, lines: number, changed = -1): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${seed} line ${i} ${createHash('md5').update(`${seed}${i % 40}${i === changed ? 'new' : ''}`).digest('hex')}`);
  return out.join('\n') + '\n';
}

function layerOf(files: Record<string, string | Buffer>, name: string): Buffer {
  const root = p(`${name}-root`);
  for (const [f, data] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), data);
  }
  execFileSync('tar', ['--sort=name', '--format=gnu', '--numeric-owner', '--mtime=@1700000000', '-C', root, '-cf', p(`${name}.tar`), '.']);
  return readFileSync(p(`${name}.tar`));
}

/** A docker archive of one image of one layer. */
const archive = (path: string, layer: Buffer, tag: string) => imageArchive(path, [layer], { tag, history: () => ({ created_by: 'x' }), manifestFirst: true });

/** The same patch in version 1: the magic, and every block without its fourth frame (which must be empty). */
function toV1(lp: LayerPatch): Buffer {
  assert.equal(lp.version, 2);
  const out: Buffer[] = [Buffer.from('STWPTCH1')];
  for (const b of lp.blocks) {
    assert.equal(b.frames[3]!.raw, 0, 'no grouped deltas in a version 1 patch');
    out.push(...b.frames.filter((_, i) => i !== 3).map((f) => f.bytes));
  }
  return Buffer.concat(out);
}

const V2 = { STOWAGE_PATCH_VERSION: '2' };

/** The layer tars of a docker archive apply wrote. */
function layersOf(archivePath: string): Buffer[] {
  return readEntries(readFileSync(archivePath)).filter((e) => e.name.endsWith('.tar')).map((e) => e.data);
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
  it('writes version 3: unchanged entries cost no structure and no lengths; rebuilds the layer bit for bit', async () => {
    assert.equal(stowage(['delta', p('small-target.tar'), '--base', p('small-base.tar'), '--patch', '-o', p('small.patch')]).status, 0);
    const lp = await layerPatch(p('small.patch'), p('small-base.tar'));
    assert.equal(lp.version, 3);
    const ops = lp.blocks.flatMap((b) => b.ops);
    assert.equal(ops.filter((o) => o.kind === DATA.GROUPED).length, 20, 'the twenty changed config files are grouped');
    // Every entry's header is the old one's but for the changed files' sizes (and so checksums: taken out anyway).
    const sent = ops.filter((o) => !(o.flags & STRUCT_SAME));
    assert.ok(sent.length <= 2, `${sent.length} structures sent (the 200 KB file's header, whose size changed, and the next one's, after its padding)`);
    assert.ok(lp.blocks[0]!.frames[1]!.raw <= 1024 + 2 * 10240, 'the structure frame holds little beyond the trailer');
    const r = stowage(['apply', p('small.patch'), '--base', p('small-base.tar'), '-o', p('small-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(layersOf(p('small-out.tar')).some((l) => l.equals(smallTarget)), 'the rebuilt layer is the target layer, byte for byte');
  });

  it('reads version 2 (with the small delta-coded files in one frame) and rebuilds the layer bit for bit', async () => {
    assert.equal(stowage(['delta', p('small-target.tar'), '--base', p('small-base.tar'), '--patch', '-o', p('small-v2.patch')], { env: V2 }).status, 0);
    const lp = await layerPatch(p('small-v2.patch'), p('small-base.tar'));
    assert.equal(lp.version, 2);
    assert.equal(lp.blocks.flatMap((b) => b.ops).filter((o) => o.kind === DATA.GROUPED).length, 20, 'the twenty changed config files are grouped');
    assert.ok(lp.blocks[0]!.frames[3]!.raw >= 20 * 150 * 40, 'the grouped frame holds their bytes');
    const r = stowage(['apply', p('small-v2.patch'), '--base', p('small-base.tar'), '-o', p('small-v2-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(layersOf(p('small-v2-out.tar')).some((l) => l.equals(smallTarget)), 'the rebuilt layer is the target layer, byte for byte');
  });

  it('reads a version 1 patch (three frames a block) and rebuilds the same layer', async () => {
    assert.equal(stowage(['delta', p('big-target.tar'), '--base', p('big-base.tar'), '--patch', '-o', p('big.patch')], { env: V2 }).status, 0);
    const lp = await layerPatch(p('big.patch'), p('big-base.tar'));
    assert.ok(lp.blocks.some((b) => b.frames.length > 4), 'the big file is coded in segments of its own');
    const v1 = toV1(lp);
    assert.equal(v1.subarray(0, 8).toString(), 'STWPTCH1');
    assert.ok(v1.length < lp.blob.length);
    await lp.rewrite(p('big-v1.patch'), v1);
    const r = stowage(['apply', p('big-v1.patch'), '--base', p('big-base.tar'), '-o', p('big-v1-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(layersOf(p('big-v1-out.tar')).some((l) => l.equals(bigTarget)), 'the version 1 patch rebuilds the target layer, byte for byte');
  });

  it('makes the same layer from version 3 as from version 2, smaller', async () => {
    assert.equal(stowage(['delta', p('big-target.tar'), '--base', p('big-base.tar'), '--patch', '-o', p('big-v3.patch')]).status, 0);
    const v3 = await layerPatch(p('big-v3.patch'), p('big-base.tar'));
    const v2 = await layerPatch(p('big.patch'), p('big-base.tar'));
    assert.equal(v3.version, 3);
    assert.ok(v3.blob.length < v2.blob.length, `version 3 ${v3.blob.length} bytes, version 2 ${v2.blob.length}`);
    const r = stowage(['apply', p('big-v3.patch'), '--base', p('big-base.tar'), '-o', p('big-v3-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(layersOf(p('big-v3-out.tar')).some((l) => l.equals(bigTarget)));
  });

  it('refuses a version 1 patch that uses the grouped kind of version 2, in one line', async () => {
    if (!existsSync(p('small-v2.patch'))) assert.equal(stowage(['delta', p('small-target.tar'), '--base', p('small-base.tar'), '--patch', '-o', p('small-v2.patch')], { env: V2 }).status, 0);
    const lp = await layerPatch(p('small-v2.patch'), p('small-base.tar'));
    await lp.rewrite(p('mixed.patch'), Buffer.concat([Buffer.from('STWPTCH1'), lp.blob.subarray(8)]));
    const r = stowage(['apply', p('mixed.patch'), '--base', p('small-base.tar'), '-o', p('mixed-out.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /corrupt patch \(data kind 5\)/);
    assert.equal(existsSync(p('mixed-out.tar')), false);
  });

  it('refuses a version 2 patch that uses the copied-structure flag of version 3, in one line', async () => {
    if (!existsSync(p('small-v2.patch'))) assert.equal(stowage(['delta', p('small-target.tar'), '--base', p('small-base.tar'), '--patch', '-o', p('small-v2.patch')], { env: V2 }).status, 0);
    const lp = await layerPatch(p('small-v2.patch'), p('small-base.tar'));
    lp.blocks[0]!.ops.find((o) => o.hdr >= 0)!.flags |= STRUCT_SAME;
    await lp.rewrite(p('flag.patch'), lp.recode());
    const r = stowage(['apply', p('flag.patch'), '--base', p('small-base.tar'), '-o', p('flag-out.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /corrupt patch \(header field flags\)/);
    assert.equal(existsSync(p('flag-out.tar')), false);
  });
});
