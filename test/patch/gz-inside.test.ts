/**
 * gzip files inside layers (issue 22, item 2): changelog.gz files made by the real `gzip -9n` (as Debian's
 * dh_compress makes them), changed by a few lines, are coded as their content against the old content (data kind 6)
 * and rebuilt bit for bit; a .gz no recipe reproduces (Node's zlib) is coded as before; a patch whose recipe was
 * altered fails in one line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { imageArchive } from '../helpers/build-image.js';
import { oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { layerPatch, readEntries } from './layer-patch.js';

const dir = scratch('stowage-gz-inside-');
const p = (n: string) => join(dir, n);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A Debian-like changelog: `entries` stanzas, the newest first. */
function changelog(pkg: string, entries: number, from = 0): string {
  const out: string[] = [];
  for (let i = entries - 1 + from; i >= from; i--) {
    const h = createHash('sha256').update(`${pkg}${i}`).digest('hex');
    out.push(`${pkg} (1.${i}-1) bookworm; urgency=medium\n\n  * Fix ${h.slice(0, 24)} in module ${h.slice(24, 30)}.\n  * Closes: #${parseInt(h.slice(30, 36), 16)}\n\n -- Maintainer <m@example.org>  Mon, ${(i % 28) + 1} Jan 2024 12:00:00 +0000\n`);
  }
  return out.join('\n');
}

/** `text` as `gzip -9n` writes it (the real GNU gzip). */
const gnuGz = (text: string) => execFileSync('gzip', ['-9n'], { input: text, maxBuffer: 64 << 20 });

function layerOf(files: Record<string, Buffer>, name: string): Buffer {
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


/** The entries' operations of a delta's layer patch (the layers here fit one block). */
async function opsOf(delta: string, base: string) {
  const lp = await layerPatch(delta, base);
  assert.equal(lp.version, 3, 'delta --patch writes version 3');
  return lp.blocks.flatMap((b) => b.ops);
}

let target: Buffer;
let gzBytes = 0;
let zlibTarget: Buffer;

before(async () => {
  const pkgs = ['libssl3', 'python3.11', 'perl-base', 'tzdata'];
  const oldFiles: Record<string, Buffer> = {};
  const newFiles: Record<string, Buffer> = {};
  for (const pkg of pkgs) {
    const f = `usr/share/doc/${pkg}/changelog.Debian.gz`;
    oldFiles[f] = gnuGz(changelog(pkg, 1500));
    newFiles[f] = gnuGz(changelog(pkg, 1503)); // three new stanzas at the top
    gzBytes += newFiles[f]!.length;
  }
  oldFiles['etc/keep.conf'] = newFiles['etc/keep.conf'] = Buffer.from('unchanged\n');
  await archive(p('base.tar'), layerOf(oldFiles, 'base'), 'v/gz:1');
  target = layerOf(newFiles, 'target');
  await archive(p('target.tar'), target, 'v/gz:2');
  // Node's zlib (Chromium's fork) at level 9: the header says level 9, but neither GNU gzip nor vanilla zlib makes
  // these bytes.
  const zOld = gzipSync(changelog('zpkg', 1500), { level: 9 });
  const zNew = gzipSync(changelog('zpkg', 1503), { level: 9 });
  await archive(p('zbase.tar'), layerOf({ 'usr/share/doc/zpkg/changelog.gz': zOld }, 'zbase'), 'v/z:1');
  zlibTarget = layerOf({ 'usr/share/doc/zpkg/changelog.gz': zNew }, 'ztarget');
  await archive(p('ztarget.tar'), zlibTarget, 'v/z:2');
});

const layersOf = (path: string) => readEntries(readFileSync(path)).filter((e) => e.name.endsWith('.tar')).map((e) => e.data);

describe('gzip files inside layers', () => {
  it('codes changed gzip -9n files as their content, much smaller, and rebuilds the layer bit for bit', async () => {
    const r = stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('gz.patch')]);
    assert.equal(r.status, 0, r.stderr);
    const { blob } = await layerPatch(p('gz.patch'), p('base.tar'));
    const ops = await opsOf(p('gz.patch'), p('base.tar'));
    const gz = ops.filter((o) => o.kind === 6);
    assert.equal(gz.length, 4, 'the four changelogs are coded as gzip content');
    assert.ok(gz.every((o) => o.recipe === 9), 'by GNU gzip -9n');
    // Today's coder shipped them literally: the patch would be at least their compressed size.
    assert.ok(blob.length * 10 < gzBytes, `patch ${blob.length} bytes, the changed .gz files ${gzBytes}`);
    const a = stowage(['apply', p('gz.patch'), '--base', p('base.tar'), '-o', p('gz-out.tar')]);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(layersOf(p('gz-out.tar')).some((l) => l.equals(target)), 'the rebuilt layer is the target layer, byte for byte');
  });

  it('codes a .gz no recipe reproduces (Node\'s zlib) as before, and rebuilds it', async () => {
    const r = stowage(['delta', p('ztarget.tar'), '--base', p('zbase.tar'), '--patch', '-o', p('z.patch')]);
    assert.equal(r.status, 0, r.stderr);
    const ops = await opsOf(p('z.patch'), p('zbase.tar'));
    const file = ops.find((o) => o.dataLen > 1000)!;
    assert.ok(file.kind === 3 || file.kind === 4, `a literal, as before (kind ${file.kind})`);
    const a = stowage(['apply', p('z.patch'), '--base', p('zbase.tar'), '-o', p('z-out.tar')]);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(layersOf(p('z-out.tar')).some((l) => l.equals(zlibTarget)));
  });

  for (const [what, to, msg] of [['another level', 8, /corrupt patch \(GNU gzip 1\.12 -8n makes \d+ bytes of a file of \d+\)|rebuilds sha256:[0-9a-f]{64}/], ['an unknown recipe', 10, /corrupt patch \(gzip recipe 10, which stowage does not know\)/]] as const) {
    it(`refuses a patch whose recipe was altered to ${what}, in one line`, async () => {
      if (!existsSync(p('gz.patch'))) assert.equal(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('gz.patch')]).status, 0);
      const lp = await layerPatch(p('gz.patch'), p('base.tar'));
      // The first kind-6 entry's recipe changed, the operation list coded again by the coder itself.
      const op = lp.blocks.flatMap((b) => b.ops).find((o) => o.kind === 6)!;
      op.recipe = to;
      await lp.rewrite(p(`alt-${to}.patch`), lp.recode());
      const a = stowage(['apply', p(`alt-${to}.patch`), '--base', p('base.tar'), '-o', p(`alt-${to}-out.tar`)]);
      assert.equal(a.status, 1, a.stderr);
      assert.match(oneLineError(a), msg);
      assert.equal(existsSync(p(`alt-${to}-out.tar`)), false);
    });
  }
});
