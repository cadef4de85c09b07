/**
 * End to end against a real dockerd (20.10, classic store) and the independent readers skopeo and podman:
 * stowage's identities must be the engine's.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage, stowagePiped } from '../helpers/cli.js';
import { APP, BASE, buildTestImages } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, SKOPEO_DAEMON, docker, dockerInspect, haveDocker, haveCommand, layerdb, run } from '../helpers/peers.js';

const dir = scratch('stowage-e2e-ids-');

describe('identities agree with a real dockerd', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  let saved: string;
  let report: any;
  before(() => {
    buildTestImages();
    saved = join(dir, 'both.tar');
    docker(['save', '-o', saved, APP, BASE]);
    report = json(stowage(['inspect', '--json', saved]));
  });

  it('reads docker save of Docker 20.10 as the legacy layout, with both images and their tags', () => {
    assert.match(report.flavor, /Docker <= 24 \(legacy layout\)/);
    assert.deepEqual(report.images.map((i: any) => i.tags).sort(), [[APP], [BASE]].sort());
  });

  it('image ID and every DiffID equal docker image inspect', () => {
    for (const name of [APP, BASE]) {
      const engine = dockerInspect(name);
      const img = report.images.find((i: any) => i.tags.includes(name));
      assert.equal(img.imageId, engine.Id);
      assert.deepEqual(img.layers.map((l: any) => l.diffId), engine.RootFS.Layers);
      assert.ok(img.layers.length >= (name === APP ? 5 : 1));
    }
  });

  it('every ChainID is a layer in the engine\'s layerdb, holding that DiffID', () => {
    const db = layerdb();
    for (const img of report.images) {
      for (const l of img.layers) {
        const d = join(db, l.chainId.slice(7));
        assert.ok(existsSync(d), `layerdb has ${l.chainId}`);
        assert.equal(readFileSync(join(d, 'diff'), 'utf8').trim(), l.diffId);
      }
    }
  });

  it('every v1 directory name in the archive is what moby\'s rule computes', () => {
    for (const img of report.images) {
      for (const l of img.layers) {
        assert.ok(l.v1.dir, 'legacy layout has v1 dirs');
        assert.equal(l.v1.matchesMoby, true, `${l.v1.dir} vs computed ${l.v1.computed}`);
      }
    }
  });

  it('verify passes and hashes every layer once', () => {
    const v = json(stowage(['verify', '--json', saved]));
    assert.equal(v.ok, true);
    const distinct = new Set(report.images.flatMap((i: any) => i.layers.map((l: any) => l.diffId)));
    assert.equal(v.layersHashed, distinct.size);
  });

  it('standard input gives the same report as the file', async () => {
    const piped = JSON.parse((await stowagePiped(['inspect', '--json', '-'], saved)).stdout);
    assert.deepEqual(piped.images.map((i: any) => i.layers), report.images.map((i: any) => i.layers));
    const v = await stowagePiped(['verify', '-'], saved);
    assert.equal(v.status, 0, v.stdout + v.stderr);
  });

  it('the synthesized manifest digest is the one skopeo reports for the same archive', { skip: !haveCommand('skopeo') && 'skopeo not installed: scripts/peers/install.sh' }, () => {
    const one = join(dir, 'app.tar');
    docker(['save', '-o', one, APP]);
    const ours = json(stowage(['inspect', '--json', one])).images[0];
    const theirs = JSON.parse(run('skopeo', ['inspect', `docker-archive:${one}`]));
    assert.equal(ours.manifest.origin, 'synthesized');
    assert.equal(ours.manifest.digest, theirs.Digest);
    assert.deepEqual(ours.layers.map((l: any) => l.blob.digest), theirs.Layers);
  });
});

describe('the same images through skopeo and podman archives', { skip: (!haveDocker() && DOCKER_SKIP) || (!haveCommand('skopeo') && 'skopeo not installed: scripts/peers/install.sh') }, () => {
  let diffIds: string[];
  let imageId: string;
  before(() => {
    buildTestImages();
    const engine = dockerInspect(APP);
    diffIds = engine.RootFS.Layers;
    imageId = engine.Id;
  });

  it('skopeo docker-archive (<diffid>.tar with v1 symlinks): same image ID and DiffIDs, verify passes', () => {
    const p = join(dir, 'skopeo-d.tar');
    run('skopeo', ['copy', '-q', ...SKOPEO_DAEMON.map((a, i) => (i === 0 ? '--src-daemon-host' : a)), `docker-daemon:${APP}`, `docker-archive:${p}:${APP}`]);
    const r = json(stowage(['inspect', '--json', p]));
    assert.match(r.flavor, /skopeo or podman/);
    assert.equal(r.images[0].imageId, imageId);
    assert.deepEqual(r.images[0].layers.map((l: any) => l.diffId), diffIds);
    assert.equal(stowage(['verify', p]).status, 0);
  });

  it('skopeo OCI layout and OCI archive (gzip layers, OCI config): same DiffIDs, blob digests verified', () => {
    const layout = join(dir, 'skopeo-oci');
    run('skopeo', ['copy', '-q', '--src-daemon-host', SKOPEO_DAEMON[1]!, `docker-daemon:${APP}`, `oci:${layout}:app`]);
    const r = json(stowage(['inspect', '--json', `oci:${layout}:app`]));
    assert.deepEqual(r.images[0].layers.map((l: any) => l.diffId), diffIds);
    assert.ok(r.images[0].layers.every((l: any) => l.compression === 'gzip'));
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${layout}:app`]));
    assert.deepEqual(r.images[0].layers.map((l: any) => l.blob.digest), raw.layers.map((l: any) => l.digest));
    assert.equal(stowage(['verify', layout]).status, 0);
    const arch = join(dir, 'skopeo-oci.tar');
    run('skopeo', ['copy', '-q', `oci:${layout}:app`, `oci-archive:${arch}:app`]);
    const a = json(stowage(['inspect', '--json', arch]));
    assert.equal(a.format, 'oci-archive');
    assert.deepEqual(a.images[0].layers.map((l: any) => l.diffId), diffIds);
    assert.equal(stowage(['verify', `oci-archive:${arch}`]).status, 0);
    // The same gzip blobs in the Docker 25+ layout (the layout docker save writes from the containerd image store),
    // named as stowage's own: real containerd-store saves are named in test/e2e/engine-paths.test.ts.
    const d25 = join(dir, 'containerd-style.tar');
    assert.equal(stowage(['copy', '-q', '--layout', 'oci', `oci:${layout}:app`, d25]).status, 0);
    const c = json(stowage(['inspect', '--json', d25]));
    assert.match(c.flavor, /written by stowage/);
    assert.deepEqual(c.images[0].layers.map((l: any) => l.diffId), diffIds);
    assert.equal(stowage(['verify', d25]).status, 0);
  });

  it('podman docker-archive and oci-archive: same DiffIDs, verify passes', { skip: !haveCommand('podman') && 'podman not installed: scripts/peers/install.sh' }, () => {
    const saved = join(dir, 'for-podman.tar');
    docker(['save', '-o', saved, APP]);
    const pm = join(dir, 'podman');
    const P = ['--root', join(pm, 'root'), '--runroot', join(pm, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
    run('podman', [...P, 'load', '-q', '-i', saved]);
    for (const format of ['docker-archive', 'oci-archive']) {
      const out = join(dir, `podman-${format}.tar`);
      run('podman', [...P, 'save', '-q', '--format', format, '-o', out, `localhost/${APP}`]);
      const r = json(stowage(['inspect', '--json', out]));
      assert.deepEqual(r.images[0].layers.map((l: any) => l.diffId), diffIds, format);
      const v = stowage(['verify', out]);
      assert.equal(v.status, 0, `${format}: ${v.stdout}${v.stderr}`);
    }
  });
});
