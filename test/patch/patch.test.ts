/**
 * delta --patch and apply: every rebuilt layer is bit for bit the target's (same DiffIDs, same config, same image
 * ID), on layers GNU tar wrote in two formats (so no layer is byte-identical): PAX records, GNU long names, hard
 * links, a whiteout, a big file cut into segments, files moved between directories and renamed, a file that became
 * a hard link. Hostile or damaged patches and wrong bases are refused in one line, with nothing under the output
 * name. The rebuilt image loads on every engine with the same image ID, and its files are the target's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, symlinkSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildImage, writeDockerArchive } from '../helpers/build-image.js';
import { layerOf, seeded, writeTar } from '../helpers/build-layer.js';
import { deltaEntries } from '../helpers/delta-edit.js';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { MAGIC } from '../../src/patch/format.js';
import { VarintWriter } from '../../src/patch/varint.js';
import { compress } from '../../src/patch/zstd.js';

const dir = scratch('stowage-patch-');
const p = (n: string) => join(dir, n);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const token = randomBytes(4).toString('hex');
const TAG = `stowage-patch/app:${token}`;

/** Text that compresses like real files, different per seed. */
function text(seed: string, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${seed.slice(0, 3)} line ${i} value=${(i * 7919) % 1000} ${createHash('md5').update(`${seed}${i % 50}`).digest('hex')}`);
  return out.join('\n') + '\n';
}

function tarOf(root: string, format: 'gnu' | 'pax', out: string): Buffer {
  execFileSync('tar', ['--sort=name', `--format=${format}`, '--numeric-owner', '-C', root, '-cf', out, '.']);
  return readFileSync(out);
}

/** A docker archive of layer tars (stored gzip-compressed with `gzip`). */
async function archive(path: string, tars: Buffer[], tag: string, gzip = false): Promise<{ imageId: string; diffIds: string[] }> {
  const img = buildImage(await Promise.all(tars.map((t) => layerOf(t, gzip ? 'gzip' : 'none'))), {
    tags: [tag],
    config: { created: '2026-01-01T00:00:00Z', config: { Cmd: ['/bin/sh'] } },
    history: (i) => ({ created: '2026-01-01T00:00:00Z', created_by: `layer ${i}` }),
  });
  await writeDockerArchive(path, [img], { manifestFirst: true });
  return { imageId: img.imageId, diffIds: img.diffIds };
}

const LONG = 'a-directory-with-a-rather-long-name/another-directory-with-an-even-longer-name-than-that/and-a-file-name-that-pushes-it-over-100.txt';
let target: { imageId: string; diffIds: string[] };
let layerBytes = 0;

before(async () => {
  // The base: one layer, GNU format.
  const b = p('base-root');
  for (const d of ['etc', 'usr/lib', 'bin', 'data/old-place', 'links', LONG.split('/').slice(0, 2).join('/')]) mkdirSync(join(b, d), { recursive: true });
  writeFileSync(join(b, 'etc/config'), text('config', 400));
  writeFileSync(join(b, 'usr/lib/libthing-1.2.3.so'), Buffer.concat([seeded('lib', 200_000), Buffer.from(text('libtext', 3000))]));
  const big = Buffer.concat([seeded('big', 12 << 20), Buffer.from(text('bigtext', 60000))]);
  writeFileSync(join(b, 'bin/big'), big);
  writeFileSync(join(b, 'data/old-place/moved.txt'), text('moved', 2000));
  writeFileSync(join(b, 'links/a'), text('link-a', 500));
  writeFileSync(join(b, 'links/b'), text('link-b', 500));
  writeFileSync(join(b, 'removed-later'), 'bye\n');
  writeFileSync(join(b, LONG), text('long', 100));
  symlinkSync('../etc/config', join(b, 'bin/config-link'));
  const base = tarOf(b, 'gnu', p('base-layer.tar'));
  await archive(p('base.tar'), [base], `stowage-patch/base:${token}`);

  // The target: the same tree changed, re-tarred in PAX format (every header differs), plus a layer on top.
  const t = p('target-root');
  execFileSync('cp', ['-a', b, t]);
  writeFileSync(join(t, 'etc/config'), text('config', 400).replace('line 17 ', 'line seventeen '));
  execFileSync('rm', [join(t, 'usr/lib/libthing-1.2.3.so')]);
  writeFileSync(join(t, 'usr/lib/libthing-1.2.4.so'), Buffer.concat([seeded('lib', 200_000), Buffer.from(text('libtext', 3000).replace('line 5 ', 'line five '))]));
  const big2 = Buffer.from(big);
  for (let i = 0; i < 40; i++) big2[(i * 333_331) % big2.length] ^= 0x5a;
  writeFileSync(join(t, 'bin/big'), Buffer.concat([big2, Buffer.from('appended tail\n')]));
  mkdirSync(join(t, 'srv/new-place'), { recursive: true });
  execFileSync('mv', [join(t, 'data/old-place/moved.txt'), join(t, 'srv/new-place/moved.txt')]);
  // links/b becomes a hard link to links/a.
  execFileSync('rm', [join(t, 'links/b')]);
  linkSync(join(t, 'links/a'), join(t, 'links/b'));
  writeFileSync(join(t, 'fresh.bin'), randomBytes(30_000));
  writeFileSync(join(t, 'ünïcödé-näme.txt'), text('unicode', 10));
  execFileSync('touch', ['-d', '2026-02-03 04:05:06.123456789', join(t, 'etc/config')]);
  const l1 = tarOf(t, 'pax', p('target-layer1.tar'));
  const top = p('top-root');
  mkdirSync(join(top, 'etc'), { recursive: true });
  writeFileSync(join(top, '.wh.removed-later'), '');
  writeFileSync(join(top, 'etc/config'), text('config', 400));
  writeFileSync(join(top, 'etc/hardlinked'), text('hl', 30));
  linkSync(join(top, 'etc/hardlinked'), join(top, 'etc/hardlinked-too'));
  const l2 = tarOf(top, 'gnu', p('target-layer2.tar'));
  layerBytes = l1.length + l2.length;
  target = await archive(p('target.tar'), [l1, l2], TAG);
});

describe('delta --patch, then apply', () => {
  let report: any;
  it('writes a patch delta far smaller than the layers the target lacks', () => {
    report = json(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('d.patch'), '--json']));
    assert.equal(report.schema, 'stowage.patch-delta/v1');
    assert.deepEqual(report.layers.map((l: any) => l.how), ['patch', 'patch']);
    const size = statSync(p('d.patch')).size;
    assert.equal(report.archiveBytes, size);
    assert.ok(size < layerBytes / 20, `patch delta ${size} bytes for ${layerBytes} bytes of layers`);
    // The big file went as a delta in segments, the moved and unchanged files as references.
    assert.ok(report.layers[0].stats.deltaBytes > 12 << 20, JSON.stringify(report.layers[0].stats));
    assert.ok(report.layers[0].stats.sameBytes > 0);
  });

  it('apply rebuilds every layer bit for bit: same DiffIDs, same config, same image ID', () => {
    const r = json(stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', p('out.tar'), '--json']));
    assert.equal(r.images[0].imageId, target.imageId);
    assert.equal(r.images[0].patched, 2);
    const v = stowage(['verify', p('out.tar')]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
    const ins = json(stowage(['inspect', p('out.tar'), '--json']));
    assert.deepEqual(ins.images[0].layers.map((l: any) => l.diffId), target.diffIds);
    assert.equal(ins.images[0].imageId, target.imageId);
    // The layer files themselves: hashing their bytes gives the target's DiffIDs (verify proved it; say it again).
    const d = stowage(['diff', p('target.tar'), p('out.tar')]);
    assert.equal(d.status, 0, d.stdout + d.stderr);
  });

  it('reads the delta from standard input and writes to standard output', async () => {
    const r = await stowagePiped(['apply', '-', '--base', p('base.tar'), '-o', p('out-stdin.tar'), '-q'], p('d.patch'));
    assert.equal(r.status, 0, r.stderr);
    const o = stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', '-', '-q']);
    assert.equal(o.status, 0, o.stderr);
    writeFileSync(p('out-stdout.tar'), o.stdout, 'latin1');
    for (const f of ['out-stdin.tar']) assert.equal(json(stowage(['inspect', p(f), '--json'])).images[0].imageId, target.imageId);
  });

  it('inspect, verify and check read the patch delta', async () => {
    ensurePatch();
    const ins = json(stowage(['inspect', p('d.patch'), '--json']));
    assert.equal(ins.schema, 'stowage.patch-inspect/v1');
    assert.deepEqual(ins.layers.map((l: any) => l.diffId), target.diffIds);
    assert.equal(ins.images[0].imageId, target.imageId);
    const v = stowage(['verify', p('d.patch')]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /OK: 3 blobs hashed against their names/);
    writeFileSync(p('have.json'), stowage(['have', p('base.tar'), '-o', '-']).stdout);
    const c = stowage(['check', p('d.patch'), '--have', p('have.json')]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /OK: the target holds every base layer it refers to; .*docker load does not take a patch delta/);
    writeFileSync(p('have-other.json'), stowage(['have', join(EXAMPLES, 'app-1.tar'), '-o', '-']).stdout);
    const f = stowage(['check', p('d.patch'), '--have', p('have-other.json'), '--json']);
    assert.equal(f.status, 1);
    const r = JSON.parse(f.stdout);
    assert.equal(r.ok, false);
    assert.equal(r.needsApply, true);
    assert.ok(r.missing.some((m: any) => m.what === 'base-layer'));
  });

  it('leaves out what the target holds, and ships whole a layer a patch cannot shrink', async () => {
    // Target = base + a layer of random bytes: the base layer is left out by ChainID, the random one ships whole.
    const baseLayer = readFileSync(p('base-layer.tar'));
    const rnd = p('rnd-root');
    mkdirSync(rnd);
    writeFileSync(join(rnd, 'noise'), randomBytes(2_000_000)); // (over 1% of it: GNU tar's 10 KiB record padding would pay for a patch)
    const t2 = await archive(p('t2.tar'), [baseLayer, tarOf(rnd, 'gnu', p('rnd.tar'))], `stowage-patch/t2:${token}`);
    const r = json(stowage(['delta', p('t2.tar'), '--base', p('base.tar'), '--patch', '-o', p('d2.patch'), '--json']));
    assert.deepEqual(r.layers.map((l: any) => l.how), ['base', 'whole']);
    const a = json(stowage(['apply', p('d2.patch'), '--base', p('base.tar'), '-o', p('out2.tar'), '--json']));
    assert.equal(a.images[0].imageId, t2.imageId);
    assert.equal(stowage(['verify', p('out2.tar')]).status, 0);
  });
});

describe('a target whose layers are stored gzip-compressed', () => {
  it('rebuilds them uncompressed with the same DiffIDs and image ID, and says so', async () => {
    const l1 = readFileSync(p('target-layer1.tar'));
    const l2 = readFileSync(p('target-layer2.tar'));
    const gz = await archive(p('target-gz.tar'), [l1, l2], `stowage-patch/gz:${token}`, true);
    assert.deepEqual(gz.diffIds, target.diffIds);
    // Node's zlib made these blobs: no recipe makes them again, so by default they ship as the stored blobs (the
    // image arrives exact); --new-digests patches them into plain tars with the same DiffIDs.
    const exact = json(stowage(['delta', p('target-gz.tar'), '--base', p('base.tar'), '--patch', '-o', p('gz-exact.patch'), '--json']));
    assert.deepEqual(exact.layers.map((l: any) => l.how), ['whole', 'whole']);
    assert.match(exact.layers[0].noRecipe.reason, /gzip header no reproduced encoder writes|no candidate reproduces it/);
    const d = json(stowage(['delta', p('target-gz.tar'), '--base', p('base.tar'), '--patch', '--new-digests', '-o', p('gz.patch'), '--json']));
    // The small top layer gzips to about 1 kB: no patch saves 4 KiB on it, so it ships whole, as stored.
    assert.deepEqual(d.layers.map((l: any) => l.how), ['patch', 'whole']);
    assert.equal(d.layers[0].arrives, 'new-digest');
    const r = stowage(['apply', p('gz.patch'), '--base', p('base.tar'), '-o', p('gz-out.tar')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /was gzip-compressed in the target; it is written uncompressed \(same DiffID, same config and image ID\)/);
    const ins = json(stowage(['inspect', p('gz-out.tar'), '--json']));
    assert.equal(ins.images[0].imageId, gz.imageId);
    assert.equal(stowage(['verify', p('gz-out.tar')]).status, 0);
  });
});

describe('hostile and damaged patch deltas, wrong bases', () => {
  const refused = (args: string[], out: string, pattern: RegExp) => {
    const r = stowage(args);
    assert.equal(r.status, 1, r.stderr);
    assert.match(oneLineError(r), pattern);
    assert.equal(existsSync(out), false, 'nothing under the output name');
  };
  before(ensurePatch);

  it('refuses a wrong base, naming what it needs', () => {
    refused(['apply', p('d.patch'), '--base', join(EXAMPLES, 'app-1.tar'), '-o', p('x1.tar')], p('x1.tar'), /the base does not hold layer DiffID sha256:[0-9a-f]{64}, which the patch of layer .* is made against; it was made against .*base\.tar; give it with --base/);
  });

  it('refuses a truncated delta', () => {
    const b = readFileSync(p('d.patch'));
    writeFileSync(p('trunc.patch'), b.subarray(0, Math.floor(b.length * 0.6)));
    refused(['apply', p('trunc.patch'), '--base', p('base.tar'), '-o', p('x2.tar')], p('x2.tar'), /truncated|missing/);
  });

  it('refuses a delta whose blob was altered', () => {
    const b = Buffer.from(readFileSync(p('d.patch')));
    b[b.length - 2048] ^= 0xff; // inside the last blob's data
    writeFileSync(p('tampered.patch'), b);
    refused(['apply', p('tampered.patch'), '--base', p('base.tar'), '-o', p('x3.tar')], p('x3.tar'), /does not hash to its name: the delta is damaged or was altered/);
  });

  it('refuses a consistent but hostile patch (names re-hashed): its layer does not rebuild, nothing is written', async () => {
    // Rewrite the first patch blob with one byte changed in its frames, fix its name and the index: only the
    // decoder and the DiffID proof stand between it and the output.
    const entries = deltaEntries(p('d.patch'));
    const index = JSON.parse(entries[0]!.data.toString());
    const l = index.layers.find((x: any) => x.how === 'patch');
    const i = entries.findIndex((e) => e.name === `blobs/sha256/${l.patch.digest.slice(7)}`);
    const bad = Buffer.from(entries[i]!.data);
    bad[bad.length - 10] ^= 0x01;
    l.patch.digest = sha(bad);
    entries[i] = { name: `blobs/sha256/${l.patch.digest.slice(7)}`, data: bad };
    entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
    await writeTar(p('hostile.patch'), entries);
    for (const out of [p('x4.tar'), `oci:${p('x4-layout')}`]) {
      const r = stowage(['apply', p('hostile.patch'), '--base', p('base.tar'), '-o', out]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(oneLineError(r), /corrupt patch|DiffID|rebuilds/);
    }
    assert.equal(existsSync(p('x4.tar')), false);
    assert.equal(existsSync(p('x4-layout')), false);
  });

  it('refuses crafted operation lists past the format\'s bounds in one line', async () => {
    const frame = (raw: Buffer) => {
      const z = compress(raw, 3);
      const v = new VarintWriter();
      v.uint(raw.length);
      v.uint(z.length);
      return Buffer.concat([v.bytes(), z]);
    };
    const crafted = async (name: string, ops: VarintWriter) => {
      const entries = deltaEntries(p('d.patch'));
      const index = JSON.parse(entries[0]!.data.toString());
      const l = index.layers.find((x: any) => x.how === 'patch');
      const i = entries.findIndex((e) => e.name === `blobs/sha256/${l.patch.digest.slice(7)}`);
      const blob = Buffer.concat([MAGIC, frame(ops.bytes())]);
      l.patch.digest = sha(blob);
      l.patch.size = blob.length; // (the index's size must be the blob's: checked before the blob is read)
      entries[i] = { name: `blobs/sha256/${l.patch.digest.slice(7)}`, data: blob };
      entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
      await writeTar(p(name), entries);
    };
    // A block of more entries than the format allows.
    const many = new VarintWriter();
    many.uint(100_000);
    many.uint(1);
    await crafted('many.patch', many);
    const r = stowage(['apply', p('many.patch'), '--base', p('base.tar'), '-o', p('x7.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /corrupt patch \(a block of 100000 entries/);
    assert.equal(existsSync(p('x7.tar')), false);
  });

  it('refuses a patch index of another version in one line', async () => {
    const entries = deltaEntries(p('d.patch'));
    const index = JSON.parse(entries[0]!.data.toString());
    index.schema = 'stowage.patch/v9';
    entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
    await writeTar(p('v9.patch'), entries);
    refused(['apply', p('v9.patch'), '--base', p('base.tar'), '-o', p('x5.tar')], p('x5.tar'), /version stowage\.patch\/v9 is not one this stowage reads/);
  });

  it('delta --patch without a base to read is a usage error', () => {
    const r = stowage(['delta', p('target.tar'), '--have', p('nothing.json'), '--patch', '-o', p('x6.patch')]);
    assert.equal(r.status, 2);
    assert.match(oneLineError(r), /--patch needs --base SOURCE/);
  });
});

describe('the rebuilt image on every engine', () => {
  for (const e of ENGINES) {
    it(`loads on ${e.name} with the target's image ID, and holds the target's files`, { skip: e.skip }, () => {
      if (!existsSync(p('out.tar'))) {
        stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('d.patch')]);
        stowage(['apply', p('d.patch'), '--base', p('base.tar'), '-o', p('out.tar')]);
      }
      try {
        e.docker(['load', '-i', p('out.tar')]);
        const ins = JSON.parse(e.docker(['image', 'inspect', TAG]))[0];
        if (e.store === 'classic') assert.equal(ins.Id, target.imageId);
        else assert.equal(ins.Config?.Cmd?.[0] ?? '/bin/sh', '/bin/sh');
        assert.deepEqual(ins.RootFS.Layers, target.diffIds);
        // What the engine holds, saved back, has the target's files: diff --files finds nothing.
        const saved = p(`saved-${e.store}-${ENGINES.indexOf(e)}.tar`);
        e.docker(['save', '-o', saved, TAG]);
        const d = stowage(['diff', '--files', p('target.tar'), saved]);
        assert.equal(d.status, 0, d.stdout + d.stderr);
      } finally {
        e.tryDocker(['rmi', '-f', TAG]);
      }
    });

    it(`on ${e.name}: apply --base docker-daemon: -o docker-daemon: rebuilds it from the engine's base, in one command`, { skip: e.skip }, () => {
      ensurePatch();
      const BASE_TAG = `stowage-patch/base:${token}`;
      try {
        e.docker(['load', '-i', p('base.tar')]);
        const r = stowage(['apply', p('d.patch'), '--base', 'docker-daemon:', '-o', 'docker-daemon:'], { env: { DOCKER_HOST: e.host } });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /2 layers rebuilt from patches/);
        const ins = JSON.parse(e.docker(['image', 'inspect', TAG]))[0];
        if (e.store === 'classic') assert.equal(ins.Id, target.imageId);
        assert.deepEqual(ins.RootFS.Layers, target.diffIds);
      } finally {
        e.tryDocker(['rmi', '-f', TAG, BASE_TAG]);
      }
    });
  }
});

/** The delta of the first test, for tests run alone (--test-name-pattern). */
function ensurePatch(): void {
  if (!existsSync(p('d.patch'))) assert.equal(stowage(['delta', p('target.tar'), '--base', p('base.tar'), '--patch', '-o', p('d.patch')]).status, 0);
}

