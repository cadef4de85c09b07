/**
 * The test tree's image builder (test/helpers/build-*.ts) makes what it says: every layout it writes is read back by
 * GNU tar and by validate() (node:crypto and zlib, not stowage's verify), stowage finds in it the image IDs, DiffIDs
 * and manifest digests the builder computed, its Go-gzip'd layers are the real Go toolchain's bytes, an image it
 * pushes is served by the real registry under the digest it computed, and its tar reader reads what GNU tar writes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildImage, manifestOf, writeDockerArchive, writeOciArchive, writeOciLayout, type BuiltImage } from '../helpers/build-image.js';
import { dir, file, hardlink, layerOf, opaque, seeded, symlink, whiteout, type BuiltLayer } from '../helpers/build-layer.js';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { pushImage } from '../helpers/push-image.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { tarEntries } from '../helpers/tar-entries.js';
import { validate } from '../helpers/validate.js';
import { GO_SKIP, buildGzipper, goGzipped } from '../recipes/go-reference.js';

const tmp = scratch('stowage-build-image-');
const p = (n: string) => join(tmp, n);

let base: BuiltLayer;
let images: BuiltImage[];

before(async () => {
  base = await layerOf([dir('etc'), file('etc/os-release', 'ID=built\n'), file('bin/tool', seeded('tool', 70_000), { mode: 0o755 })], 'gzip');
  const app = await layerOf([dir('app'), file('app/run', '#!/bin/sh\n', { mode: 0o755 }), symlink('app/latest', 'run'), hardlink('app/again', 'app/run')], 'none');
  const gone = await layerOf([whiteout('etc/os-release'), opaque('app'), file('app/new', 'x'.repeat(9000))], 'zstd');
  images = [
    buildImage([base], { tags: ['built/base:1'], config: { config: { Cmd: ['/bin/tool'] } } }),
    buildImage([base, app, gone], { tags: ['built/app:1', 'built/app:latest'], config: { architecture: 'arm64', variant: 'v8' } }),
  ];
});

/** What stowage's inspect finds: per image, tags, image ID, DiffIDs and the manifest digest it reads. */
function inspected(source: string): { tags: string[]; imageId: string; diffIds: string[]; manifest: string | undefined }[] {
  return json(stowage(['inspect', '--json', source])).images.map((i: any) => ({
    tags: i.tags, imageId: i.imageId, diffIds: i.layers.map((l: any) => l.diffId), manifest: i.manifest?.digest,
  }));
}

describe('the image builder: what it writes is what it says', () => {
  it('layers: whiteouts and opaque markers are named as the layer format says; storage told from the bytes', () => {
    const names = tarEntries(images[1]!.layers[2]!.tar).map((e) => e.name);
    assert.deepEqual(names, ['etc/.wh.os-release', 'app/.wh..wh..opq', 'app/new']);
    assert.deepEqual(images[1]!.layers.map((l) => l.compression), ['gzip', 'none', 'zstd']);
    const app = tarEntries(images[1]!.layers[1]!.tar);
    assert.deepEqual(app.map((e) => [e.name, e.type, e.linkname, e.mode]), [
      ['app/', 'dir', '', 0o755], ['app/run', 'file', '', 0o755], ['app/latest', 'symlink', 'run', 0o777], ['app/again', 'hardlink', 'app/run', 0o644],
    ]);
  });

  for (const layout of ['flat', 'legacy', 'docker25'] as const) {
    it(`a docker archive, ${layout} layout: GNU tar reads it, validate() passes, stowage finds the builder's identities`, async () => {
      const path = p(`${layout}.tar`);
      await writeDockerArchive(path, images, { layout });
      execFileSync('tar', ['-tf', path]);
      await validate(path);
      const found = inspected(path);
      assert.deepEqual(found.map((i) => [i.tags, i.imageId, i.diffIds]), images.map((img) => [img.tags, img.imageId, img.diffIds]));
      if (layout === 'docker25') assert.deepEqual(found.map((i) => i.manifest), images.map((img) => manifestOf(img).digest));
      if (layout === 'legacy') {
        // The shared bottom layer is stored once; the second image's copy is a symlink to it, as moby writes.
        const links = tarEntries(path).filter((e) => e.name.endsWith('/layer.tar') && e.type === 'symlink');
        assert.equal(links.length, 1);
      }
    });
  }

  it('a thin flat archive lists every layer and leaves the omitted ones out', async () => {
    const path = p('thin.tar');
    await writeDockerArchive(path, [images[1]!], { omit: [0], manifestFirst: true });
    const entries = tarEntries(path);
    assert.equal(entries[0]!.name, 'manifest.json');
    assert.equal(JSON.parse(entries[0]!.data.toString()).length, 1);
    assert.equal(entries.filter((e) => e.name.startsWith(images[1]!.layers[0]!.digest.slice(7))).length, 0);
    assert.equal(JSON.parse(entries[0]!.data.toString())[0].Layers.length, 3);
  });

  it('an OCI layout and an OCI archive (an image and an index), OCI and Docker manifests: digests as stowage reads them', async () => {
    const refs = [
      { image: images[0]!, ref: 'base', manifest: { kind: 'docker' as const, indent: 3 } },
      { index: images, ref: 'multi' },
    ];
    const dirOut = p('layout');
    const built = writeOciLayout(dirOut, refs);
    await writeOciArchive(p('layout.tar'), refs);
    for (const source of [dirOut, `oci-archive:${p('layout.tar')}`]) {
      const one = inspected(`${source.startsWith('oci-archive:') ? source : `oci:${source}`}:base`);
      assert.deepEqual(one.map((i) => [i.imageId, i.diffIds, i.manifest]), [[images[0]!.imageId, images[0]!.diffIds, built.digests[0]]]);
      const all = inspected(`${source.startsWith('oci-archive:') ? source : `oci:${source}`}:multi`);
      assert.deepEqual(all.map((i) => [i.imageId, i.manifest]).sort(), built.manifests[1]!.map((m, k) => [images[k]!.imageId, m.digest]).sort());
    }
    await validate(`oci:${dirOut}:base`);
    const r = stowage(['verify', `oci:${dirOut}`]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe('the image builder: Go-gzip\'d layers are the real Go toolchain\'s bytes', { skip: GO_SKIP }, () => {
  it('{ go: level } at levels 1, 6 and 9', async () => {
    const gz = buildGzipper();
    for (const level of [1, 6, 9]) {
      const l = await layerOf(base.tar, { go: level });
      assert.ok(l.blob.equals(goGzipped(gz, base.tar, level)), `level ${level}`);
    }
  });
});

describe('the image builder: an image pushed to the real registry', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  before(async () => { reg = await startRegistry(); });
  after(() => reg?.stop());

  it('is served under the manifest digest the builder computed, and verifies', async () => {
    for (const kind of ['oci', 'docker'] as const) {
      const digest = await pushImage(reg.addr, 'built/app', kind, images[1]!, { kind });
      assert.equal(digest, manifestOf(images[1]!, { kind }).digest);
      const res = await fetch(`http://${reg.addr}/v2/built/app/manifests/${kind}`, { headers: { Accept: `${manifestOf(images[1]!, { kind }).mediaType}` } });
      assert.equal(res.headers.get('docker-content-digest'), digest);
      const v = stowage(['verify', `docker://${reg.addr}/built/app:${kind}`]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
    }
  });
});

describe('the tar-entry reader reads what GNU tar writes', () => {
  it('ustar prefixes, GNU long names and links, PAX records', () => {
    const root = p('gnu-root');
    const long = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}.txt`;
    mkdirSync(join(root, long, '..'), { recursive: true });
    writeFileSync(join(root, long), 'long\n');
    writeFileSync(join(root, 'é-名前.txt'), 'utf8\n');
    execFileSync('ln', ['-s', long, join(root, 'to-long')]);
    for (const format of ['gnu', 'pax', 'ustar'] as const) {
      if (format === 'ustar') execFileSync('rm', [join(root, 'to-long')]); // ustar cannot hold a 300-byte link
      const out = p(`gnu-${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', root, '-cf', out, ...(format === 'ustar' ? ['é-名前.txt'] : ['.'])]);
      const listed = execFileSync('tar', ['-tf', out]).toString().trim().split('\n');
      const read = tarEntries(out);
      assert.deepEqual(read.map((e) => e.name), listed, format);
      for (const e of read.filter((x) => x.type === 'file')) assert.ok(e.data.equals(execFileSync('tar', ['-xOf', out, e.name])), `${format} ${e.name}`);
      if (format !== 'ustar') assert.equal(read.find((e) => e.name.endsWith('to-long'))!.linkname, long);
    }
  });
});
