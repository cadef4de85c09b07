/**
 * gzip files inside layers (issue 22, item 2): changelog.gz files made by the real `gzip -9n` (as Debian's
 * dh_compress makes them), changed by a few lines, are coded as their content against the old content (data kind 6)
 * and rebuilt bit for bit; a .gz no recipe reproduces (Node's zlib) is coded as before; a patch whose recipe was
 * altered fails in one line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { imageArchive } from '../helpers/build-image.js';
import { gnuTarLayer } from '../helpers/build-layer.js';
import { patchBlob } from '../helpers/delta-edit.js';
import { tarEntries } from '../helpers/tar-entries.js';
import { oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { VarintReader, VarintWriter } from '../../src/patch/varint.js';
import { compress, decompress } from '../../src/patch/zstd.js';

const dir = scratch('stowage-gz-inside-');
const p = (n: string) => join(dir, n);

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

/** A layer GNU tar wrote from these files (its own work folder under `name`). */
const layerOf = (record: Record<string, string | Buffer>, name: string) => gnuTarLayer(record, p(name));

/** A docker archive of one image of one layer. */
const archive = (path: string, layer: Buffer, tag: string) => imageArchive(path, [layer], { tag, history: () => ({ created_by: 'x' }), manifestFirst: true });

interface Op { kind: number; dataLen: number; recipe?: number }

/** The first block's operation list (the layers here fit one block), and where its frame ends in the patch. */
function firstOps(blob: Buffer): { ops: Op[]; raw: Buffer; end: number } {
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
  const rawLen = uint();
  const len = uint();
  const raw = decompress(blob.subarray(off, off + len), rawLen, undefined, 'test');
  const r = new VarintReader(raw, 'test');
  const n = r.uint();
  r.uint();
  const ops: Op[] = [];
  for (let k = 0; k < n; k++) {
    r.uint();
    if (r.uint() & 2) r.sint();
    r.uint();
    const dataLen = r.uint();
    if (dataLen === 0) { ops.push({ kind: 0, dataLen }); continue; }
    const kind = r.uint();
    if (kind === 1 || kind === 2 || kind === 5 || kind === 6) r.uint();
    const op: Op = { kind, dataLen };
    if (kind === 6) { op.recipe = r.uint(); r.uint(); }
    ops.push(op);
  }
  return { ops, raw, end: off + len };
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

const layersOf = (path: string) => tarEntries(path).filter((e) => e.name.endsWith('.tar')).map((e) => e.data);

describe('gzip files inside layers', () => {
  it('codes changed gzip -9n files as their content, much smaller, and rebuilds the layer bit for bit', () => {
    const r = stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('gz.patch')]);
    assert.equal(r.status, 0, r.stderr);
    const { blob } = patchBlob(p('gz.patch'));
    const { ops } = firstOps(blob);
    const gz = ops.filter((o) => o.kind === 6);
    assert.equal(gz.length, 4, 'the four changelogs are coded as gzip content');
    assert.ok(gz.every((o) => o.recipe === 9), 'by GNU gzip -9n');
    // Today's coder shipped them literally: the patch would be at least their compressed size.
    assert.ok(blob.length * 10 < gzBytes, `patch ${blob.length} bytes, the changed .gz files ${gzBytes}`);
    const a = stowage(['apply', p('gz.patch'), '--base', p('base.tar'), '-o', p('gz-out.tar')]);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(layersOf(p('gz-out.tar')).some((l) => l.equals(target)), 'the rebuilt layer is the target layer, byte for byte');
  });

  it('codes a .gz no recipe reproduces (Node\'s zlib) as before, and rebuilds it', () => {
    const r = stowage(['delta', p('ztarget.tar'), '--base', p('zbase.tar'), '--patch', '-o', p('z.patch')]);
    assert.equal(r.status, 0, r.stderr);
    const { blob } = patchBlob(p('z.patch'));
    const { ops } = firstOps(blob);
    const file = ops.find((o) => o.dataLen > 1000)!;
    assert.ok(file.kind === 3 || file.kind === 4, `a literal, as before (kind ${file.kind})`);
    const a = stowage(['apply', p('z.patch'), '--base', p('zbase.tar'), '-o', p('z-out.tar')]);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(layersOf(p('z-out.tar')).some((l) => l.equals(zlibTarget)));
  });

  for (const [what, to, msg] of [['another level', 8, /corrupt patch \(GNU gzip 1\.12 -8n makes \d+ bytes of a file of \d+\)|rebuilds sha256:[0-9a-f]{64}/], ['an unknown recipe', 10, /corrupt patch \(gzip recipe 10, which stowage does not know\)/]] as const) {
    it(`refuses a patch whose recipe was altered to ${what}, in one line`, async () => {
      if (!existsSync(p('gz.patch'))) assert.equal(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('gz.patch')]).status, 0);
      const { blob, rewrite } = patchBlob(p('gz.patch'));
      const { raw, end } = firstOps(blob);
      // Re-walk the list, writing it again with the first kind-6 entry's recipe changed.
      const r = new VarintReader(raw, 'test');
      const w = new VarintWriter();
      const n = r.uint();
      w.uint(n);
      w.uint(r.uint());
      let done = false;
      for (let k = 0; k < n; k++) {
        w.uint(r.uint());
        const flags = r.uint();
        w.uint(flags);
        if (flags & 2) w.sint(r.sint());
        w.uint(r.uint());
        const dataLen = r.uint();
        w.uint(dataLen);
        if (dataLen === 0) continue;
        const kind = r.uint();
        w.uint(kind);
        if (kind === 1 || kind === 2 || kind === 5 || kind === 6) w.uint(r.uint());
        if (kind === 6) {
          const recipe = r.uint();
          w.uint(done ? recipe : to);
          done = true;
          w.uint(r.uint());
        }
      }
      if (r.done === false) w.uint(r.uint()); // the trailer length
      const ops = w.bytes();
      const head = new VarintWriter();
      const z = compress(ops, 19);
      head.uint(ops.length);
      head.uint(z.length);
      await rewrite(p(`alt-${to}.patch`), Buffer.concat([blob.subarray(0, 8), head.bytes(), z, blob.subarray(end)]));
      const a = stowage(['apply', p(`alt-${to}.patch`), '--base', p('base.tar'), '-o', p(`alt-${to}-out.tar`)]);
      assert.equal(a.status, 1, a.stderr);
      assert.match(oneLineError(a), msg);
      assert.equal(existsSync(p(`alt-${to}-out.tar`)), false);
    });
  }
});
