/**
 * `stowage layers` on crafted layers (no peer needed): every figure, stowage's and dive's, equals the one worked
 * out by hand below from how the image was made; the CI gate with flags and with .dive-ci files as dive reads them.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, before } from 'node:test';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { imageArchive } from '../helpers/build-image.js';
import { dir, file, tarOf } from '../helpers/build-layer.js';
import { LAYERS } from './crafted-image.js';

const tmp = scratch('stowage-layers-crafted-');
const ARCHIVE = join(tmp, 'waste.tar');
const GZ = join(tmp, 'waste-gz.tar');

before(async () => {
  const tars = await Promise.all(LAYERS.map((l) => tarOf(l)));
  await imageArchive(ARCHIVE, tars);
  await imageArchive(GZ, tars, { storage: 'gzip' });
});

describe('stowage layers: figures by construction', () => {
  it("stowage's accounting: reclaimable bytes by why, and what each layer adds, changes and removes", () => {
    const r = json(stowage(['layers', ARCHIVE, '--json']));
    assert.equal(r.schema, 'stowage.layers/v1');
    assert.deepEqual(r.layers.map((l: any) => l.size), [2550, 1510, 1000]);
    // Layer 1: a/big (1000) overwritten by layer 2; a/keep (300), d/f1 (200), d/f2 (100), o/old (50) deleted by
    // layer 2; t/target (400) deleted by layer 3 but still held by the hard link t/link: not waste.
    assert.deepEqual(r.layers[0].reclaimable, { overwritten: 1000, deleted: 300 + 200 + 100 + 50, duplicate: 0, total: 1650 });
    // Layer 2: its a/big is overwritten by layer 3 (same bytes: still a second copy); dup2 repeats dup1's content.
    assert.deepEqual(r.layers[1].reclaimable, { overwritten: 1000, deleted: 0, duplicate: 500, total: 1500 });
    assert.deepEqual(r.layers[2].reclaimable, { overwritten: 0, deleted: 0, duplicate: 0, total: 0 });
    assert.deepEqual(r.reclaimable, { overwritten: 2000, deleted: 650, duplicate: 500, total: 3150 });
    // Visible at the top: dup1 500, t/target's content 400 (through t/link), dup2 500, o/new 10, a/big 1000.
    assert.equal(r.visibleBytes, 500 + 400 + 500 + 10 + 1000);
    assert.equal(r.visibleBytes, r.sizeBytes - (2000 + 650));

    const [l1, l2, l3] = r.layers;
    assert.deepEqual(l1.added, { entries: 12, bytes: 2550 });
    assert.deepEqual(l1.entries, { total: 12, files: 7, dirs: 5, symlinks: 0, hardlinks: 0, others: 0 });
    assert.deepEqual(l2.added, { entries: 3, bytes: 510 });
    assert.deepEqual(l2.changed, { entries: 1, bytes: 1000 });
    // a/keep, the directory d with d/f1 and d/f2, o/old.
    assert.deepEqual(l2.removed, { entries: 5, bytes: 650 });
    assert.equal(l2.whiteouts, 2);
    assert.equal(l2.opaqueDirs, 1);
    assert.equal(l2.hidesBytes, 1000 + 650);
    assert.deepEqual(l3.changed, { entries: 1, bytes: 1000 });
    assert.deepEqual(l3.removed, { entries: 2, bytes: 400 });
    assert.equal(l3.hidesBytes, 1000, "t/target's content stays: the hard link holds it");
    assert.deepEqual(l1.topFiles.slice(0, 2), [{ path: '/a/big', size: 1000 }, { path: '/dup1', size: 500 }]);
    assert.deepEqual(l1.topDirs[0], { path: '/a', size: 1300 });
    assert.equal(l1.history.createdBy, 'layer 1');
    const wf = r.wasteFiles.map((f: any) => `${f.path} ${f.layer} ${f.why} ${f.by}`).sort();
    assert.deepEqual(wf, ['/a/big 0 overwritten 1', '/a/big 1 overwritten 2', '/a/keep 0 deleted 1', '/d/f1 0 deleted 1', '/d/f2 0 deleted 1', '/dup2 1 duplicate 0', '/o/old 0 deleted 1']);
  });

  it("dive's figures: efficiency, wasted bytes, user wasted percent, per layer, as dive's formulas give them", () => {
    const r = json(stowage(['layers', ARCHIVE, '--json']));
    // Leaves per layer and their sizes (whiteouts: the size of the directory they delete, 0 for a file):
    //   1: /a/big 1000, /a/keep 300, /dup1 500, /d/f1 200, /d/f2 100, /e 0 (empty dir), /o/old 50, /t/target 400
    //   2: /a/big 1000, /a/keep 0 (whiteout of a file), /dup2 500, /d 300 (whiteout of d: f1 + f2), /o/new 10, /t/link 0
    //   3: /a/big 1000, /t/target 0, /e 0
    // Paths in two layers or more: /a/big (3000, min 1000), /a/keep (300, min 0), /t/target (400, min 0), /e (0).
    const minimum = 1000 + 0 + 500 + 200 + 100 + 0 + 50 + 0 + 500 + 300 + 10 + 0;
    const cumulative = 3000 + 300 + 500 + 200 + 100 + 0 + 50 + 400 + 500 + 300 + 10 + 0;
    assert.equal(r.efficiency, minimum / cumulative);
    assert.equal(r.wastedBytes, 3000 + 300 + 400);
    assert.equal(r.sizeBytes, 2550 + 1510 + 1000);
    assert.equal(r.userSizeBytes, 1510 + 1000);
    assert.equal(r.userWastedPercent, 3700 / 2510);
    assert.deepEqual(r.layers.map((l: any) => l.wastedBytes), [1000 + 300 + 400, 1000, 1000]);
    assert.deepEqual(r.inefficiencies[0], { path: '/a/big', count: 3, cumulativeBytes: 3000 });
    assert.deepEqual(r.inefficiencies.map((x: any) => x.path), ['/a/big', '/t/target', '/a/keep', '/e']);
  });

  it('gives the same figures for gzip layers and from standard input', async () => {
    const a = json(stowage(['layers', ARCHIVE, '--json']));
    const b = json(stowage(['layers', GZ, '--json']));
    const c = json(await stowagePiped(['layers', '-', '--json'], ARCHIVE));
    for (const x of [b, c]) {
      for (const k of ['efficiency', 'wastedBytes', 'userWastedPercent', 'reclaimable', 'visibleBytes']) assert.deepEqual(x[k], a[k], k);
      assert.deepEqual(x.layers.map((l: any) => [l.size, l.wastedBytes, l.reclaimable]), a.layers.map((l: any) => [l.size, l.wastedBytes, l.reclaimable]));
    }
    assert.equal(b.layers[0].blob.compression, 'gzip');
  });

  it('prints a table a person reads, with the formulas in --help', () => {
    const r = stowage(['layers', ARCHIVE]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /efficiency 49\.63 %/);
    assert.match(r.stdout, /reclaimable 3\.15 kB: 2\.00 kB overwritten, 650 B deleted, 500 B duplicate/);
    assert.match(r.stdout, /\/dup2 {2}\(layer 2, duplicates the content of layer 1\)/);
    const h = stowage(['layers', '--help']);
    assert.match(h.stdout, /efficiency {10}sum over paths of the smallest size/);
    assert.match(h.stdout, /Examples:/);
  });
});

describe('stowage layers: large files (hashed on worker threads from plain layers)', () => {
  it('finds a large content stored again under another name, and tells apart one that differs by a byte', async () => {
    const big = Buffer.alloc(300000, 7).toString('latin1');
    const other = big.slice(0, -1) + '\x08';
    const archive = join(tmp, 'big.tar');
    await imageArchive(archive, await Promise.all([
      [file('big', big)],
      [file('copy', big), file('near', other)],
    ].map((l) => tarOf(l))));
    for (const a of [archive, join(tmp, 'big-gz.tar')]) {
      if (a !== archive) await imageArchive(a, await Promise.all([[file('big', big)], [file('copy', big), file('near', other)]].map((l) => tarOf(l))), { storage: 'gzip' });
      const r = json(stowage(['layers', a, '--json']));
      assert.deepEqual(r.layers[1].reclaimable, { overwritten: 0, deleted: 0, duplicate: 300000, total: 300000 }, a);
      assert.deepEqual(r.wasteFiles.map((f: any) => [f.path, f.why, f.by]), [['/copy', 'duplicate', 0]]);
    }
  });
});

describe('stowage layers: a file over a directory', () => {
  it('deletes what the directory held (deleted, not overwritten: nothing is written at those paths)', async () => {
    const archive = join(tmp, 'file-over-dir.tar');
    await imageArchive(archive, await Promise.all([
      [dir('x'), file('x/f', 'f'.repeat(100)), dir('x/sub'), file('x/sub/g', 'g'.repeat(20))],
      [file('x', 'now a file')],
    ].map((l) => tarOf(l))));
    const r = json(stowage(['layers', archive, '--json']));
    assert.deepEqual(r.layers[0].reclaimable, { overwritten: 0, deleted: 120, duplicate: 0, total: 120 });
    assert.deepEqual(r.layers[1].changed, { entries: 1, bytes: 10 });
    assert.deepEqual(r.layers[1].removed, { entries: 3, bytes: 120 }, 'x/f, x/sub, x/sub/g (x itself is changed)');
    assert.deepEqual(r.wasteFiles.map((f: any) => [f.path, f.why, f.by]), [['/x/f', 'deleted', 1], ['/x/sub/g', 'deleted', 1]]);
    // dive: x is not a leaf in layer 1, so no path repeats.
    assert.equal(r.wastedBytes, 0);
    assert.equal(r.efficiency, 1);
  });
});

describe('stowage layers --ci', () => {
  const efficiency = 2660 / 5360; // 0.4962...

  it('exits 0 when every rule passes and 1 naming each rule broken', () => {
    const pass = stowage(['layers', ARCHIVE, '--ci', '--lowest-efficiency', '0.49', '--highest-wasted-bytes', '3700', '--highest-user-wasted-percent', 'disabled'], { cwd: tmp });
    assert.equal(pass.status, 0, pass.stderr);
    assert.match(pass.stdout, /PASS {2}lowestEfficiency 0\.49/);
    assert.match(pass.stdout, /SKIP {2}highestUserWastedPercent disabled/);
    const fail = stowage(['layers', ARCHIVE, '--lowest-efficiency', '0.5', '--highest-wasted-bytes', '3.6KiB', '--highest-user-wasted-percent', '1'], { cwd: tmp });
    assert.equal(fail.status, 1);
    const line = oneLineError(fail);
    assert.match(line, new RegExp(`lowestEfficiency: image efficiency is too low \\(efficiency=${efficiency} < threshold=0\\.5\\)`));
    assert.match(line, /highestWastedBytes: too many bytes wasted \(wasted-bytes=3700 > threshold=3686\)/);
    assert.match(line, /highestUserWastedPercent: .*user-wasted-percent=1\.47/);
    const j = stowage(['layers', ARCHIVE, '--json', '--highest-wasted-bytes', '3.7kB', '--lowest-efficiency', 'off', '--highest-user-wasted-percent', 'disabled'], { cwd: tmp });
    assert.equal(j.status, 0, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout).ci.rules.map((x: any) => x.status), ['skip', 'pass', 'skip']);
  });

  it("reads .dive-ci as dive does (defaults 0.9, disabled, 0.1; 'disabled'; flags win over the file)", () => {
    const cwd = scratch('stowage-layers-ci-');
    // No file, no flag: dive's defaults, and this image breaks two of them.
    const defaults = stowage(['layers', ARCHIVE, '--ci', '--json'], { cwd });
    assert.equal(defaults.status, 1);
    const d = JSON.parse(defaults.stdout).ci;
    assert.deepEqual(d.rules.map((x: any) => [x.rule, x.threshold, x.status]), [['lowestEfficiency', 0.9, 'fail'], ['highestWastedBytes', null, 'skip'], ['highestUserWastedPercent', 0.1, 'fail']]);
    writeFileSync(join(cwd, '.dive-ci'), [
      '# dive CI rules',
      'rules:',
      '  # efficiency floor',
      '  lowestEfficiency: 0.45',
      '  highestWastedBytes: "4KB"   # quoted, SI',
      '  highestUserWastedPercent: disabled',
      '',
    ].join('\n'));
    const ok = stowage(['layers', ARCHIVE, '--ci', '--json'], { cwd });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).ci.rules.map((x: any) => [x.threshold, x.status]), [[0.45, 'pass'], [4000, 'pass'], [null, 'skip']]);
    assert.equal(JSON.parse(ok.stdout).ci.file, '.dive-ci');
    const flagWins = stowage(['layers', ARCHIVE, '--ci', '--highest-wasted-bytes', '1000'], { cwd });
    assert.equal(flagWins.status, 1);
    assert.match(oneLineError(flagWins), /^stowage: CI gate failed: highestWastedBytes: too many bytes wasted \(wasted-bytes=3700 > threshold=1000\)$/);
    const other = join(cwd, 'ci.yaml');
    writeFileSync(other, 'rules: {lowestEfficiency: 0.6, highestWastedBytes: disabled, highestUserWastedPercent: disabled}\n');
    const flow = stowage(['layers', ARCHIVE, '--ci-config', other], { cwd });
    assert.equal(flow.status, 1);
    assert.match(oneLineError(flow), /lowestEfficiency: image efficiency is too low/);
  });

  it('refuses a misconfigured rule in one line, exit 2, before reading the image', () => {
    const cwd = scratch('stowage-layers-ci-bad-');
    writeFileSync(join(cwd, '.dive-ci'), 'rules:\n  lowestEfficiency: 1.5\n');
    const r = stowage(['layers', join(cwd, 'no-such.tar'), '--ci'], { cwd });
    assert.equal(r.status, 2);
    assert.match(oneLineError(r), /\.dive-ci: lowestEfficiency 1\.5 is outside the allowed range 0\.\.1/);
    const b = stowage(['layers', ARCHIVE, '--highest-wasted-bytes', 'lots'], { cwd: tmp });
    assert.equal(b.status, 2);
    assert.match(oneLineError(b), /--highest-wasted-bytes: highestWastedBytes "lots" is not a size/);
    const m = stowage(['layers', ARCHIVE, '--ci-config', join(cwd, 'missing.yaml')]);
    assert.equal(m.status, 2);
    assert.match(oneLineError(m), /missing\.yaml: cannot read the CI configuration \(no such file\)/);
  });
});
