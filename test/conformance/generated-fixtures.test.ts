/**
 * The project's own fixtures (scripts/fixtures/generate.mjs) read, or refused, through the CLI: every case the
 * go-containerregistry suite (ggcr-fixtures.test.ts, optional) covers that is not about ggcr's files themselves.
 * No peer needed. What each must show comes from the generator's facts (digests of the bytes it wrote), or from
 * the files themselves hashed here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { fixtures, type Generated } from '../helpers/fixtures.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('the generated fixtures', () => {
  let g: Generated;
  before(async () => { g = await fixtures(); });

  const READABLE = ['legacy-bundle.tar', 'docker25.tar', 'docker25-containerd.tar', 'oci-index', 'oci-archive.tar', 'whiteout-image.tar', 'whiteout-dir.tar', 'overwritten-file.tar'];
  for (const name of READABLE) {
    it(`reads and verifies ${name}`, () => {
      const r = json(stowage(['inspect', '--json', g.f(name)]));
      assert.ok(r.images.length >= 1);
      const v = stowage(['verify', '--json', g.f(name)]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.equal(JSON.parse(v.stdout).ok, true);
    });
  }

  it('the generator writes the same bytes every run', async () => {
    const { generator } = await import('../helpers/fixtures.js');
    const gen = await generator();
    const again = join(g.dir, '..', 'again');
    await gen.generate(again);
    assert.deepEqual(gen.listing(again), gen.listing(g.dir));
  });

  it('an artifact (a Helm chart) is listed as such, not as an image, and its blobs verified', () => {
    const r = json(stowage(['inspect', '--json', g.f('oci-artifact')]));
    assert.equal(r.images.length, 0);
    assert.match(r.warnings.join(), /artifact \(config application\/vnd\.cncf\.helm\.config\.v1\+json\)/);
    assert.match(r.warnings.join(), new RegExp(g.facts.ociArtifact.manifestDigest));
    const v = json(stowage(['verify', '--json', g.f('oci-artifact')]));
    assert.equal(v.ok, true);
    assert.equal(v.bytesHashed, g.facts.ociArtifact.blobBytes);
  });

  it('a Docker 25+ save from the classic store: image ID = the config blob, the manifest index.json names found', () => {
    const r = json(stowage(['inspect', '--json', g.f('docker25.tar')]));
    const want = g.facts.docker25[0]!;
    assert.match(r.flavor, /Docker 25\+ from the classic image store/);
    assert.equal(r.images[0].imageId, want.imageId);
    assert.equal(r.images[0].manifest.digest, want.manifestDigest);
    assert.equal(r.images[0].platform, 'linux/arm64/v8');
    assert.deepEqual(r.images[0].tags, ['gen/hello:v25']);
  });

  it('a Docker 25+ save from the containerd store: the engine shows the manifest digest as the image ID', () => {
    const r = json(stowage(['inspect', '--json', g.f('docker25-containerd.tar')]));
    const want = g.facts.docker25Containerd[0]!;
    assert.match(r.flavor, /Docker 25\+ from the containerd image store/);
    assert.equal(r.images[0].manifest.digest, want.manifestDigest);
    assert.equal(r.images[0].engineId?.id ?? r.images[0].imageId, want.manifestDigest);
  });

  it('a legacy save: a layer stored as a symlink to another image\'s layer.tar is followed', () => {
    const r = json(stowage(['inspect', '--json', g.f('legacy-bundle.tar')]));
    const [base, app] = g.facts.legacyBundle;
    assert.deepEqual(r.images.map((i: any) => i.imageId), [base!.imageId, app!.imageId]);
    const linked = r.images[1].layers[0];
    assert.equal(linked.linkedTo, app!.linkedTo![0]);
    assert.equal(linked.linkedTo, base!.layerPaths![0]);
    assert.equal(linked.diffId, r.images[0].layers[0].diffId);
    assert.notEqual(linked.path, r.images[0].layers[0].path, 'another v1 name for the same layer');
    for (const [i, img] of r.images.entries()) {
      assert.deepEqual(img.layers.map((l: any) => l.diffId), g.facts.legacyBundle[i]!.diffIds);
      assert.deepEqual(img.layers.map((l: any) => l.chainId), g.facts.legacyBundle[i]!.chainIds);
    }
    // (The generator names the v1 directories with stowage's own rule, so matchesMoby proves nothing here: it is
    // checked against dockerd 20.10's own save in engine-saves.test.ts.)
  });

  it('several images and tags, chosen by NAME:TAG and by @N; an absent tag is refused with the tags there are', () => {
    const all = json(stowage(['inspect', '--json', g.f('legacy-bundle.tar')]));
    assert.equal(all.images.length, 2);
    const one = json(stowage(['inspect', '--json', `docker-archive:${g.f('legacy-bundle.tar')}:gen/app:latest`]));
    assert.deepEqual(one.images.map((i: any) => i.imageId), [g.facts.legacyBundle[1]!.imageId]);
    const at = json(stowage(['inspect', '--json', `${g.f('legacy-bundle.tar')}:@0`]));
    assert.deepEqual(at.images.map((i: any) => i.imageId), [g.facts.legacyBundle[0]!.imageId]);
    const none = stowage(['inspect', `docker-archive:${g.f('legacy-bundle.tar')}:nope:1`]);
    assert.equal(none.status, 1);
    assert.match(oneLineError(none), /no image tagged nope:1 \(it has: /);
  });

  it('an OCI layout with a nested index: every image, its digests, and --platform filtering', () => {
    const r = json(stowage(['inspect', '--json', g.f('oci-index')]));
    const want = g.facts.ociIndex.images;
    assert.deepEqual(r.images.map((i: any) => [i.imageId, i.manifest.digest, i.platform]), want.map((w) => [w.imageId, w.manifestDigest, w.platform]));
    const index = JSON.parse(readFileSync(join(g.f('oci-index'), 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, g.facts.ociIndex.nestedIndex);
    const amd = json(stowage(['inspect', '--json', '--platform', 'linux/amd64', `oci:${g.f('oci-index')}`]));
    assert.deepEqual(amd.images.map((i: any) => i.imageId), [want[0]!.imageId, want[2]!.imageId]);
    const arm = json(stowage(['inspect', '--json', '--platform', 'linux/arm64', g.f('oci-index')]));
    assert.deepEqual(arm.images.map((i: any) => i.imageId), [want[1]!.imageId]);
    const bad = stowage(['inspect', '--platform', 'plan9/mips', g.f('oci-index')]);
    assert.equal(bad.status, 1);
    assert.match(oneLineError(bad), /no image for platform plan9\/mips/);
  });

  it('an OCI archive: the image and its ref name', () => {
    const r = json(stowage(['inspect', '--json', `oci-archive:${g.f('oci-archive.tar')}`]));
    assert.equal(r.images[0].imageId, g.facts.ociArchive.imageId);
    assert.equal(r.images[0].manifest.digest, g.facts.ociArchive.manifestDigest);
    assert.deepEqual(r.images[0].layers.map((l: any) => l.blob.digest), g.facts.ociArchive.blobDigests);
  });

  it('a config edited without renaming it: verify says so, naming both digests', () => {
    const v = stowage(['verify', g.f('edited-config.tar')]);
    assert.equal(v.status, 1);
    const { named, actual } = g.facts.editedConfig;
    assert.match(v.stdout, new RegExp(`config ${named.slice(7)}\\.json hashes to ${actual}`));
  });

  it('no manifest.json, manifest.json "null", a root filesystem tar: refused clearly, in one line', () => {
    const a = stowage(['inspect', g.f('no-manifest.tar')]);
    assert.equal(a.status, 1);
    assert.match(oneLineError(a), /no manifest\.json \(a pre-Docker-1\.10 save/);
    const b = stowage(['inspect', g.f('null-manifest.tar')]);
    assert.equal(b.status, 1);
    assert.match(oneLineError(b), /manifest\.json: is null/);
    const c = stowage(['verify', g.f('rootfs-only.tar')]);
    assert.equal(c.status, 1);
    assert.match(oneLineError(c), /neither manifest\.json nor index\.json/);
  });

  it('reads the same from standard input, in one pass', async () => {
    for (const name of ['legacy-bundle.tar', 'docker25.tar', 'whiteout-dir.tar', 'oci-archive.tar']) {
      const fromFile = json(stowage(['inspect', '--json', g.f(name)]));
      const fromPipe = JSON.parse((await stowagePiped(['inspect', '--json', '-'], g.f(name))).stdout);
      assert.deepEqual(fromPipe.images.map((i: any) => [i.imageId, i.layers.map((l: any) => [l.diffId, l.chainId])]),
        fromFile.images.map((i: any) => [i.imageId, i.layers.map((l: any) => [l.diffId, l.chainId])]));
      const v = await stowagePiped(['verify', '-'], g.f(name));
      assert.equal(v.status, 0, v.stdout + v.stderr);
    }
  });

  it('the facts are the files\' own digests (the generator checks itself)', () => {
    const cfg = readFileSync(join(g.f('oci-index'), 'blobs/sha256', g.facts.ociIndex.images[2]!.imageId.slice(7)));
    assert.equal(digestOf(cfg), g.facts.ociIndex.images[2]!.imageId);
  });
});
