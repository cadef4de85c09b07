/**
 * stowage as a library: the operations through the public API (src/index.ts, the package's main export), on images
 * written in a temporary directory by scripts/fixtures/generate.mjs. No peer: the outputs are read back with GNU
 * tar and node:crypto, and every digest expected is computed here (or by the generator) from bytes, never taken
 * from the code under test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import * as stowage from '../../src/index.js';
import {
  StowageError, UsageError, apply, check, copyImages, edit, exportImage, haveFromSource, HaveSet, importRootfs,
  inspect, openSource, parseDestSpec, pickOne, squash, verify, writeDelta, type ImageSource,
} from '../../src/index.js';
import { buildImage, writeDockerArchive } from '../helpers/build-image.js';
import { dir, file, layerOf, whiteout } from '../helpers/build-layer.js';
import { fixtures, type Generated } from '../helpers/fixtures.js';
import { scratch } from '../helpers/paths.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const tmp = scratch('stowage-library-');
let n = 0;
const out = (name: string) => join(tmp, `${++n}-${name}`);

/** Opens a source, runs fn, closes it. */
async function withSource<T>(text: string, fn: (src: ImageSource) => Promise<T> | T): Promise<T> {
  const src = await openSource(text, { seekable: true });
  try {
    return await fn(src);
  } finally {
    await src.close();
  }
}

/** A tar unpacked by GNU tar (not by stowage) into a fresh directory. */
function untar(archive: string): string {
  const d = out('x');
  mkdirSync(d);
  execFileSync('tar', ['-C', d, '-xf', archive]);
  return d;
}

/** The uncompressed bytes of a stored layer (plain, or gzip told by its magic). */
const plain = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);

/** What a docker-archive holds, read by hand: per image the config bytes, tags and the layers' uncompressed bytes. */
function readDockerArchive(archive: string): { config: Buffer; tags: string[]; layers: Buffer[] }[] {
  const d = untar(archive);
  const manifest = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
  return manifest.map((m: any) => ({
    config: readFileSync(join(d, m.Config)),
    tags: m.RepoTags ?? [],
    layers: m.Layers.map((l: string) => plain(readFileSync(join(d, l)))),
  }));
}

/** The same for an OCI layout directory: every image index.json names directly, with its manifest. */
function readLayout(dir: string): { manifestDigest: string; manifest: any; config: Buffer; blobs: Buffer[]; ref?: string }[] {
  const blob = (d: string) => readFileSync(join(dir, 'blobs/sha256', d.slice(7)));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  return index.manifests.map((desc: any) => {
    const bytes = blob(desc.digest);
    assert.equal(sha(bytes), desc.digest, 'a blob is named by its digest');
    const manifest = JSON.parse(bytes.toString());
    return { manifestDigest: desc.digest, manifest, config: blob(manifest.config.digest), blobs: manifest.layers.map((l: any) => blob(l.digest)), ref: desc.annotations?.['org.opencontainers.image.ref.name'] };
  });
}

const diffIdsOf = (config: Buffer) => JSON.parse(config.toString()).rootfs.diff_ids as string[];

describe('library: the public API', () => {
  let g: Generated;
  let baseTar = '';
  let appTar = '';
  const facts: Record<string, { imageId: string; diffIds: string[]; layers: Buffer[]; config: Buffer }> = {};

  before(async () => {
    g = await fixtures();
    // A base and an app built on it, each in its own archive: the material of delta, check and apply.
    const bottom = await layerOf([dir('etc/'), file('etc/os-release', 'ID=generated\n')]);
    const mid = await layerOf([dir('lib/'), file('lib/lib.so', 'L'.repeat(5000))]);
    const top = await layerOf([file('app', 'the app\n', { mode: 0o755 }), whiteout('lib/lib.so')]);
    baseTar = join(tmp, 'base.tar');
    appTar = join(tmp, 'app.tar');
    for (const [path, tags, layers] of [[baseTar, ['lib/base:1'], [bottom, mid]], [appTar, ['lib/app:1'], [bottom, mid, top]]] as const) {
      const img = buildImage([...layers], { tags: [...tags], config: { created: '2024-01-01T00:00:00Z', config: { Cmd: ['/app'] } } });
      await writeDockerArchive(path, [img], { layout: 'legacy' });
      facts[tags[0]] = { imageId: img.imageId, diffIds: img.diffIds, layers: layers.map((l) => l.tar), config: img.config };
    }
  });

  it('exports every op the CLI is a skin over', () => {
    for (const name of ['openSource', 'inspect', 'verify', 'copyImages', 'edit', 'squash', 'importRootfs', 'exportImage', 'writeDelta', 'check', 'apply', 'haveFromSource', 'writeImages', 'writableFrom']) {
      assert.equal(typeof (stowage as Record<string, unknown>)[name], 'function', name);
    }
  });

  describe('openSource, inspect and verify on every format', () => {
    it('a Docker <= 24 archive (legacy layout, a layer stored as a symlink)', async () => {
      await withSource(g.f('legacy-bundle.tar'), async (src) => {
        const r = inspect(src);
        assert.equal(r.format, 'docker-archive');
        assert.deepEqual(r.images.map((i) => [i.tags, i.imageId, i.layers.map((l) => l.diffId)]), g.facts.legacyBundle.map((f) => [f.tags, f.imageId, f.diffIds]));
        assert.equal(r.images[1]!.layers[0]!.linkedTo, g.facts.legacyBundle[0]!.layerPaths![0]);
        const v = await verify(src);
        assert.equal(v.ok, true, JSON.stringify(v.problems));
        assert.equal(v.layersHashed, 2, 'the shared layer is hashed once');
      });
    });

    it('a Docker 25+ archive, from each image store', async () => {
      for (const [name, want] of [['docker25.tar', g.facts.docker25[0]!], ['docker25-containerd.tar', g.facts.docker25Containerd[0]!]] as const) {
        await withSource(g.f(name), async (src) => {
          const [img] = inspect(src).images;
          assert.equal(img!.imageId, want.imageId);
          assert.equal(img!.manifest!.digest, want.manifestDigest);
          assert.equal(img!.platform, 'linux/arm64/v8');
          assert.equal((await verify(src)).ok, true);
        });
      }
    });

    it('an OCI layout with a nested index, and pickOne choosing by platform', async () => {
      await withSource(`oci:${g.f('oci-index')}`, async (src) => {
        assert.deepEqual(inspect(src).images.map((i) => [i.imageId, i.manifest!.digest]), g.facts.ociIndex.images.map((f) => [f.imageId, f.manifestDigest]));
        assert.equal(pickOne(src, stowage.parsePlatform('linux/arm64')).config.digest, g.facts.ociIndex.images[1]!.imageId);
        assert.throws(() => pickOne(src, stowage.parsePlatform('linux/amd64')), (e: Error) => e instanceof StowageError && /holds 2 images; choose one/.test(e.message));
        const v = await verify(src);
        assert.equal(v.ok, true);
        assert.equal(v.images.length, 3);
      });
    });

    it('an OCI archive', async () => {
      await withSource(`oci-archive:${g.f('oci-archive.tar')}`, async (src) => {
        const [img] = inspect(src).images;
        assert.equal(img!.imageId, g.facts.ociArchive.imageId);
        assert.deepEqual(img!.layers.map((l) => l.blob.digest), g.facts.ociArchive.blobDigests);
        assert.equal((await verify(src)).ok, true);
      });
    });

    it('a stream (standard input, or any stream given as stdin) is read in one pass, to the same identities', async () => {
      const { createReadStream } = await import('node:fs');
      const src = await openSource('-', { stdin: createReadStream(g.f('docker25.tar')), digest: true });
      try {
        const [img] = inspect(src).images;
        assert.equal(img!.imageId, g.facts.docker25[0]!.imageId);
        assert.deepEqual(img!.layers.map((l) => l.diffId), g.facts.docker25[0]!.diffIds);
        assert.equal((await verify(src)).ok, true);
      } finally {
        await src.close();
      }
    });

    it('verify finds a layer whose bytes changed (same size), naming it', async () => {
      const bytes = readFileSync(g.f('docker25.tar'));
      const at = bytes.indexOf('hello from a generated layer');
      assert.ok(at > 0);
      bytes[at] = 'j'.charCodeAt(0);
      const bad = out('bad.tar');
      writeFileSync(bad, bytes);
      await withSource(bad, async (src) => {
        const v = await verify(src);
        assert.equal(v.ok, false);
        assert.match(JSON.stringify(v), new RegExp(g.facts.docker25[0]!.diffIds[0]!.slice(7, 19)));
      });
    });
  });

  describe('copyImages between formats keeps every digest', () => {
    it('OCI archive -> OCI layout -> docker-archive -> OCI archive: the same config bytes and DiffIDs; layout blobs byte for byte', async () => {
      const srcLayout = readLayout(untar(g.f('oci-archive.tar')))[0]!;
      const layout = out('layout');
      const r1 = await copyImages(`oci-archive:${g.f('oci-archive.tar')}`, `oci:${layout}`);
      assert.deepEqual(r1.images.map((i) => i.imageId), [g.facts.ociArchive.imageId]);
      const copied = readLayout(layout)[0]!;
      assert.equal(copied.manifestDigest, g.facts.ociArchive.manifestDigest, 'the manifest is copied, not rebuilt');
      assert.ok(copied.config.equals(srcLayout.config));
      assert.deepEqual(copied.blobs.map(sha), srcLayout.blobs.map(sha));

      const archive = out('copied.tar');
      await copyImages(`oci:${layout}`, `docker-archive:${archive}`);
      const [img] = readDockerArchive(archive);
      assert.equal(sha(img!.config), g.facts.ociArchive.imageId);
      assert.deepEqual(img!.layers.map(sha), g.facts.ociArchive.diffIds);

      const back = out('back.tar');
      await copyImages(archive, `oci-archive:${back}`);
      const again = readLayout(untar(back))[0]!;
      assert.equal(sha(again.config), g.facts.ociArchive.imageId);
      assert.deepEqual(again.blobs.map((b) => sha(plain(b))), g.facts.ociArchive.diffIds);
    });

    it('a legacy archive -> the Docker 25+ layout (docker-archive, layout oci): the image ID stays, index.json and manifest.json agree', async () => {
      const dest = out('v25.tar');
      await copyImages(`${g.f('legacy-bundle.tar')}:gen/app:1`, dest, { layout: 'oci', layoutGiven: true });
      const d = untar(dest);
      const [m] = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
      assert.equal(sha(readFileSync(join(d, m.Config))), g.facts.legacyBundle[1]!.imageId);
      const [fromIndex] = readLayout(d);
      assert.equal(`blobs/sha256/${fromIndex!.manifest.config.digest.slice(7)}`, m.Config);
      assert.deepEqual(fromIndex!.blobs.map(sha), g.facts.legacyBundle[1]!.diffIds);
    });
  });

  describe('edit', () => {
    it('a config change: the new config is the old one with the change, and its digest is that of those bytes', async () => {
      const dest = out('edited.tar');
      const before = readDockerArchive(appTar)[0]!;
      const r = await withSource(appTar, (src) => edit(src, pickOne(src), {
        config: [{ kind: 'env', name: 'MODE', value: 'prod' }, { kind: 'label', key: 'org.example', value: 'x' }],
        annotations: [],
        tags: { replace: ['lib/app:edited'] },
      }, { dest: parseDestSpec(dest), history: false }));
      // The expected config, built here: the old one with Env and Labels added, in Go's compact JSON.
      const want = JSON.parse(before.config.toString());
      want.config.Env = [...(want.config.Env ?? []), 'MODE=prod'];
      want.config.Labels = { 'org.example': 'x' };
      const wantBytes = Buffer.from(JSON.stringify(want));
      const [img] = readDockerArchive(dest);
      assert.equal(sha(img!.config), sha(wantBytes), img!.config.toString());
      assert.equal(r.after.imageId, sha(wantBytes));
      assert.equal(r.before.imageId, facts['lib/app:1']!.imageId);
      assert.deepEqual(img!.tags, ['lib/app:edited']);
      assert.deepEqual(img!.layers.map(sha), facts['lib/app:1']!.diffIds, 'the layers are untouched');
    });

    it('history on: one empty_layer entry is appended, with the time given; nothing else changes', async () => {
      const dest = out('edited-h.tar');
      await withSource(appTar, (src) => edit(src, pickOne(src), { config: [{ kind: 'user', value: '1000' }], annotations: [] },
        { dest: parseDestSpec(dest), now: '2025-05-05T05:05:05Z' }));
      const before = JSON.parse(facts['lib/app:1']!.config.toString());
      const after = JSON.parse(readDockerArchive(dest)[0]!.config.toString());
      const added = after.history.pop();
      assert.equal(added.empty_layer, true);
      assert.equal(added.created, '2025-05-05T05:05:05Z');
      assert.equal(after.config.User, '1000');
      delete after.config.User;
      assert.deepEqual(after, before);
    });

    it('annotations go into the OCI manifest of an OCI layout; its digest is that of the manifest written', async () => {
      const dest = out('annotated');
      const r = await withSource(appTar, (src) => edit(src, pickOne(src), {
        config: [], annotations: [{ kind: 'annotation', key: 'org.opencontainers.image.source', value: 'https://example.com/app' }],
      }, { dest: parseDestSpec(`oci:${dest}`) }));
      const [img] = readLayout(dest);
      assert.equal(img!.manifest.annotations['org.opencontainers.image.source'], 'https://example.com/app');
      assert.equal(r.after.manifestDigest, img!.manifestDigest);
      assert.equal(sha(img!.config), r.after.imageId);
      assert.deepEqual(img!.blobs.map(sha), facts['lib/app:1']!.diffIds);
    });

    it('refuses to write over its source, with a UsageError, leaving it as it was', async () => {
      const copy = out('self.tar');
      writeFileSync(copy, readFileSync(appTar));
      await assert.rejects(withSource(copy, (src) => edit(src, pickOne(src), { config: [{ kind: 'user', value: 'x' }], annotations: [] }, { dest: parseDestSpec(copy) })),
        (e: Error) => e instanceof UsageError && /is the source itself/.test(e.message));
      assert.ok(readFileSync(copy).equals(readFileSync(appTar)));
    });
  });

  describe('squash, import and export', () => {
    it('squash merges the layers: the files the image shows, in one layer whose DiffID is its bytes\'', async () => {
      const dest = out('squashed.tar');
      const r = await withSource(appTar, (src) => squash(src, pickOne(src), { dest: parseDestSpec(dest), now: '2024-06-01T00:00:00Z' }));
      const [img] = readDockerArchive(dest);
      assert.equal(img!.layers.length, 1);
      assert.deepEqual(diffIdsOf(img!.config), [sha(img!.layers[0]!)]);
      assert.equal(r.after.imageId, sha(img!.config));
      const layerFile = out('squashed-layer.tar');
      writeFileSync(layerFile, img!.layers[0]!);
      const files = execFileSync('tar', ['-tf', layerFile]).toString().split('\n').filter(Boolean).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
      assert.deepEqual(files.sort(), ['app', 'etc', 'etc/os-release', 'lib'], 'lib/lib.so was whited out above');
    });

    it('squash above the base keeps the base\'s layers by ChainID', async () => {
      const dest = out('squashed-above.tar');
      const r = await withSource(baseTar, async (base) => withSource(appTar, (src) => squash(src, pickOne(src), { dest: parseDestSpec(dest), above: { spec: baseTar, image: pickOne(base) } })));
      const [img] = readDockerArchive(dest);
      assert.equal(r.kept, 2);
      assert.deepEqual(diffIdsOf(img!.config).slice(0, 2), facts['lib/base:1']!.diffIds);
      assert.equal(img!.layers.length, 3);
    });

    it('importRootfs makes a one-layer image of a filesystem tar', async () => {
      const dest = out('imported.tar');
      const r = await importRootfs(g.f('rootfs-only.tar'), { dest: parseDestSpec(`${dest}`), now: '2024-01-02T00:00:00Z', request: { config: [{ kind: 'cmd', value: ['/bat'] }], annotations: [], tags: { replace: ['lib/imported:1'] } } });
      const [img] = readDockerArchive(dest);
      assert.deepEqual(img!.tags, ['lib/imported:1']);
      assert.deepEqual(diffIdsOf(img!.config), [sha(img!.layers[0]!)]);
      assert.equal(r.image.imageId, sha(img!.config));
      assert.deepEqual(JSON.parse(img!.config.toString()).config.Cmd, ['/bat']);
      const d = untar(g.f('rootfs-only.tar'));
      const layerFile = out('imported-layer.tar');
      writeFileSync(layerFile, img!.layers[0]!);
      const x = untar(layerFile);
      for (const f of ['bat', 'baz']) assert.ok(readFileSync(join(x, f)).equals(readFileSync(join(d, f))), f);
    });

    it('exportImage writes the merged filesystem: what the layers leave, with their bytes', async () => {
      const file = out('export.tar');
      const stream = createWriteStream(file);
      const r = await withSource(appTar, (src) => exportImage(src, pickOne(src), stream));
      stream.end();
      await finished(stream);
      assert.equal(r.image.layers, 3);
      const x = untar(file);
      assert.deepEqual(readdirSync(x).sort(), ['app', 'etc', 'lib']);
      assert.deepEqual(readdirSync(join(x, 'lib')), []);
      assert.equal(readFileSync(join(x, 'app'), 'utf8'), 'the app\n');
      assert.equal(readFileSync(join(x, 'etc/os-release'), 'utf8'), 'ID=generated\n');
    });
  });

  describe('delta, check and apply', () => {
    it('a delta against the base holds only the top layer; check by ChainID; apply rebuilds the same image ID and bytes', async () => {
      const have = await haveFromSource(baseTar);
      assert.ok(have instanceof HaveSet);
      const delta = out('delta.tar');
      const report = await withSource(appTar, (src) => writeDelta([src], have, delta));
      assert.equal(report.included.layers, 1);
      assert.equal(report.included.bytes, facts['lib/app:1']!.layers[2]!.length);
      assert.equal(report.omitted.layers, 2);
      // The thin archive holds the top layer's bytes and not the others'.
      const top = facts['lib/app:1']!.layers[2]!;
      const bytes = readFileSync(delta);
      assert.ok(bytes.includes(top), 'the top layer is in the delta');
      assert.ok(!bytes.includes(facts['lib/app:1']!.layers[1]!), 'the base\'s layer is not');

      const ok = await withSource(delta, (src) => check(src, have));
      assert.equal(ok.ok, true);
      assert.deepEqual(ok.images[0]!.layers.map((l) => l.state), ['target', 'target', 'archive']);
      const none = await withSource(delta, (src) => check(src, new HaveSet([], ['nothing'])));
      assert.equal(none.ok, false);
      assert.equal(none.missing.length, 2);

      const rebuilt = out('rebuilt.tar');
      const applied = await withSource(delta, (d) => withSource(baseTar, (b) => apply(d, [b], rebuilt)));
      assert.deepEqual(applied.images.map((i) => [i.imageId, i.fromDelta, i.fromBase]), [[facts['lib/app:1']!.imageId, 1, 2]]);
      const [img] = readDockerArchive(rebuilt);
      assert.equal(sha(img!.config), facts['lib/app:1']!.imageId);
      assert.ok(img!.config.equals(facts['lib/app:1']!.config));
      assert.deepEqual(img!.layers.map(sha), facts['lib/app:1']!.diffIds);
    });

    it('apply without the base refuses in one line, naming the layer and the base the delta was made against; nothing is written', async () => {
      const have = await haveFromSource(baseTar);
      const delta = out('delta2.tar');
      await withSource(appTar, (src) => writeDelta([src], have, delta));
      const rebuilt = out('not-written.tar');
      await assert.rejects(withSource(delta, (d) => apply(d, [], rebuilt)), (e: Error) =>
        e instanceof StowageError && !e.message.includes('\n') && /the base does not hold layer 1 of lib\/app:1 .*made against lib\/base:1/.test(e.message));
      assert.equal(existsSync(rebuilt), false);
    });
  });

  describe('errors are StowageErrors of one line', () => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['a missing file', () => openSource(join(tmp, 'nope.tar')), /nope\.tar/],
      ['manifest.json "null"', () => fixtures().then((g) => openSource(g.f('null-manifest.tar'))), /manifest\.json: is null/],
      ['a pre-1.10 save', () => fixtures().then((g) => openSource(g.f('no-manifest.tar'))), /no manifest\.json \(a pre-Docker-1\.10 save/],
      ['a root filesystem tar', () => fixtures().then((g) => openSource(g.f('rootfs-only.tar'))), /neither manifest\.json nor index\.json/],
      ['an absent tag', () => openSource(`${appTar}:lib/app:2`), /no image tagged lib\/app:2 \(it has: lib\/app:1\)/],
    ];
    for (const [what, run, message] of cases) {
      it(what, async () => {
        await assert.rejects(run(), (e: Error) => e instanceof StowageError && message.test(e.message) && !e.message.includes('\n') && !/\bat \//.test(e.message));
      });
    }

    it('a bad destination name is a UsageError', () => {
      assert.throws(() => parseDestSpec('oci:'), (e: Error) => e instanceof UsageError && /oci: needs a path/.test(e.message));
    });
  });
});
