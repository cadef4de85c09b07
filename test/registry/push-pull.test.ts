/**
 * Push and pull against a real registry (Debian's docker-registry, started here on a loopback port), read back by
 * the independent clients: docker pull, skopeo. Mounts between repositories, a push whose base is already there,
 * indexes, zstd, chunked uploads, and what an unknown repository or tag says.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerInspect, haveDocker, run, skipUnless } from '../helpers/peers.js';
import { REGISTRY_SKIP, multiPlatformLayout, randomArchive, startRegistry, type Registry } from '../helpers/registry.js';
import { seeded } from '../helpers/build-layer.js';

const dir = scratch('stowage-reg-pp-');
const MiB = 1 << 20;

describe('registry: push and pull', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  let archive: string;
  let ids: { diffIds: string[]; imageId: string };
  before(async () => {
    reg = await startRegistry();
    archive = join(dir, 'app.tar');
    ids = await randomArchive(archive, [seeded('base', 2 * MiB), seeded('mid', 300 << 10), seeded('top', 3 * MiB)], 'stowage-test/app:1');
  });
  after(() => reg?.stop());

  it('push with stowage: stowage and skopeo read back the same identities', { skip: skipUnless('skopeo') }, () => {
    const r = json(stowage(['push', '--json', archive, `${reg.addr}/app:1`]));
    assert.equal(r.registry.uploaded, 3);
    assert.equal(r.registry.reference, `${reg.addr}/app:1`);
    const sk = JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.addr}/app:1`]));
    assert.equal(sk.Digest, r.registry.digest);
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.addr}/app:1`]));
    assert.deepEqual(raw.layers.map((l: any) => l.mediaType), Array(3).fill('application/vnd.oci.image.layer.v1.tar+gzip'));
    const back = json(stowage(['inspect', '--json', `docker://${reg.addr}/app:1`])).images[0];
    assert.equal(back.imageId, ids.imageId);
    assert.deepEqual(back.layers.map((l: any) => l.diffId), ids.diffIds);
    assert.equal(back.manifest.digest, r.registry.digest);
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/app:1`]).status, 0);
    // skopeo pulls it to an OCI layout, and stowage verifies that too.
    run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.addr}/app:1`, `oci:${join(dir, 'sk-layout')}:x`]);
    assert.equal(stowage(['verify', '-q', `oci:${join(dir, 'sk-layout')}`]).status, 0);
  });

  it('docker pulls what stowage pushed, with the same image ID and digest', { skip: !haveDocker() && DOCKER_SKIP }, () => {
    const ref = `${reg.addr}/app:1`;
    try { docker(['rmi', '-f', ref]); } catch { /* absent */ }
    docker(['pull', '-q', ref]);
    const d = dockerInspect(ref);
    assert.equal(d.Id, ids.imageId);
    const digest = json(stowage(['inspect', '--json', `docker://${ref}`])).images[0].manifest.digest;
    assert.ok(d.RepoDigests.includes(`${reg.addr}/app@${digest}`), JSON.stringify(d.RepoDigests));
  });

  it('push with skopeo, pull with stowage: the manifest digest is kept, the archive loads and verifies', { skip: skipUnless('skopeo') }, () => {
    run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.addr}/sk:1`]);
    const digest = JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.addr}/sk:1`])).Digest;
    const layout = join(dir, 'pulled-layout');
    assert.equal(stowage(['pull', '-q', `${reg.addr}/sk:1`, `oci:${layout}`]).status, 0);
    assert.equal(json(stowage(['inspect', '--json', `oci:${layout}`])).images[0].manifest.digest, digest);
    const tar = join(dir, 'pulled.tar');
    assert.equal(stowage(['pull', '-q', `docker://${reg.addr}/sk:1`, tar]).status, 0);
    const img = json(stowage(['inspect', '--json', tar])).images[0];
    assert.equal(img.imageId, ids.imageId);
    assert.deepEqual(img.tags, [`${reg.addr}/sk:1`]);
    assert.equal(stowage(['verify', '-q', tar]).status, 0);
    if (haveDocker()) {
      assert.match(docker(['load', '-i', tar]), new RegExp(`Loaded image: ${reg.addr}/sk:1`));
      assert.equal(dockerInspect(`${reg.addr}/sk:1`).Id, ids.imageId);
    }
  });

  it('copy between two repositories mounts every blob instead of uploading', () => {
    const before = reg.blobUploads();
    const r = json(stowage(['copy', '--json', `docker://${reg.addr}/app:1`, `docker://${reg.addr}/team/app:1`]));
    assert.equal(r.registry.mounted, 3); // the report counts layers; the config was mounted too
    assert.equal(r.registry.uploaded, 0);
    assert.equal(reg.blobUploads(), before, 'no blob was uploaded');
    assert.equal(reg.mounts('team/app'), 4);
    assert.equal(r.registry.digest, json(stowage(['inspect', '--json', `docker://${reg.addr}/app:1`])).images[0].manifest.digest);
  });

  it('pushing an image whose base is in the repository uploads only the new layers', async () => {
    const base = join(dir, 'base.tar');
    const app = join(dir, 'app2.tar');
    await randomArchive(base, [seeded('base', 2 * MiB), seeded('mid', 300 << 10)], 'stowage-test/base:1');
    await randomArchive(app, [seeded('base', 2 * MiB), seeded('mid', 300 << 10), seeded('new', MiB)], 'stowage-test/app:2');
    json(stowage(['push', '--json', base, `${reg.addr}/delta:base`]));
    const before = reg.blobUploads('delta');
    const r = json(stowage(['push', '--json', app, `${reg.addr}/delta:app`]));
    assert.equal(r.registry.uploaded, 1);
    assert.equal(r.registry.existing, 2);
    assert.equal(reg.blobUploads('delta') - before, 2, 'the new layer and the config, nothing else');
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/delta:app`]).status, 0);
    // A thin archive (the layers the registry has left out, as `stowage delta` writes) pushes the same way.
    const thin = join(dir, 'thin.tar');
    await randomArchive(thin, [seeded('base', 2 * MiB), seeded('mid', 300 << 10), seeded('new2', MiB)], 'stowage-test/app:3', { omit: [0, 1] });
    const t = json(stowage(['push', '--json', thin, `${reg.addr}/delta:thin`]));
    assert.deepEqual([t.registry.uploaded, t.registry.existing], [1, 2]);
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/delta:thin`]).status, 0);
    // Where the base is not, it says so.
    const e = stowage(['push', thin, `${reg.addr}/elsewhere:thin`]);
    assert.equal(e.status, 1);
    assert.match(oneLineError(e), /layer 1 of stowage-test\/app:3 is not in the source \(a thin archive\), and no image in .* has its DiffID .*: name the repository holding the base with --base-repo REPO/);
  });

  it('--all-platforms pushes an index byte for byte; --platform picks one image of it', async () => {
    const layout = join(dir, 'multi');
    const { indexDigest } = await multiPlatformLayout(layout, [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]);
    const r = json(stowage(['push', '--json', '--all-platforms', `oci:${layout}:multi`, `${reg.addr}/multi:1`]));
    assert.equal(r.registry.digest, indexDigest);
    assert.equal(r.images.length, 2);
    const arm = join(dir, 'arm');
    assert.equal(stowage(['pull', '-q', '--platform', 'linux/arm64', `${reg.addr}/multi:1`, `oci:${arm}`]).status, 0);
    assert.deepEqual(json(stowage(['inspect', '--json', `oci:${arm}`])).images.map((i: any) => i.platform), ['linux/arm64/v8']);
    const all = join(dir, 'all');
    assert.equal(stowage(['pull', '-q', '--all-platforms', `${reg.addr}/multi:1`, `oci:${all}`]).status, 0);
    assert.equal(json(stowage(['inspect', '--json', `oci:${all}`])).images.length, 2);
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/multi:1`]).status, 0);
    // Registry to registry, every platform: the index and its manifests keep their digests, every blob is mounted.
    const c = json(stowage(['copy', '--json', '--all-platforms', `docker://${reg.addr}/multi:1`, `docker://${reg.addr}/multi-copy:1`]));
    assert.equal(c.registry.digest, indexDigest);
    assert.equal(c.registry.uploaded, 0);
    assert.ok(c.registry.manifests.every((m: any) => m.kept));
    if (!skipUnless('skopeo')) {
      const raw = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.addr}/multi:1`]));
      assert.equal(raw.manifests.length, 2);
    }
  });

  it('compresses with zstd on request, and skopeo reads it', { skip: skipUnless('zstd') || skipUnless('skopeo') }, () => {
    const r = json(stowage(['push', '--json', '--compression', 'zstd', archive, `${reg.addr}/zstd:1`]));
    assert.equal(r.registry.uploaded, 3);
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.addr}/zstd:1`]));
    assert.deepEqual(raw.layers.map((l: any) => l.mediaType), Array(3).fill('application/vnd.oci.image.layer.v1.tar+zstd'));
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/zstd:1`]).status, 0);
    run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.addr}/zstd:1`, `oci:${join(dir, 'zstd-layout')}:z`]);
    assert.equal(json(stowage(['inspect', '--json', `oci:${join(dir, 'zstd-layout')}`])).images[0].imageId, ids.imageId);
    // A gzip image: kept as it is with --compression zstd alone, recompressed with --recompress.
    const kept = json(stowage(['copy', '--json', '--compression', 'zstd', `docker://${reg.addr}/app:1`, `docker://${reg.addr}/zstd2:1`]));
    assert.equal(kept.registry.manifests[0].kept, true);
    const re = json(stowage(['copy', '--json', '--compression', 'zstd', '--recompress', `docker://${reg.addr}/app:1`, `docker://${reg.addr}/zstd3:1`]));
    assert.equal(re.registry.uploaded, 3);
    const raw3 = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.addr}/zstd3:1`]));
    assert.deepEqual(raw3.layers.map((l: any) => l.mediaType), Array(3).fill('application/vnd.oci.image.layer.v1.tar+zstd'));
    assert.equal(json(stowage(['inspect', '--json', `docker://${reg.addr}/zstd3:1`])).images[0].imageId, ids.imageId);
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/zstd3:1`]).status, 0);
  });

  it('uploads in chunks with --chunk-size, and Docker schema 2 with --manifest-format docker', () => {
    const r = json(stowage(['push', '--json', '--chunk-size', '1M', '--manifest-format', 'docker', archive, `${reg.addr}/chunked:1`]));
    assert.equal(r.registry.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const patches = reg.log().split('\n').filter((l) => /"PATCH \/v2\/chunked\/blobs\/uploads\//.test(l) && /" 202 /.test(l)).length;
    assert.ok(patches >= 5, `expected several PATCH chunks, saw ${patches}`);
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/chunked:1`]).status, 0);
  });

  it('an unknown repository or tag is one line, and nothing is written', () => {
    const out = join(dir, 'never.tar');
    const a = stowage(['pull', `${reg.addr}/no-such-repo:1`, out]);
    assert.equal(a.status, 1);
    assert.match(oneLineError(a), /no such (repository|image)/);
    const b = stowage(['pull', `${reg.addr}/app:no-such-tag`, out]);
    assert.equal(b.status, 1);
    assert.match(oneLineError(b), /app:no-such-tag: no such image \(MANIFEST_UNKNOWN\)$/);
    assert.ok(!existsSync(out));
    const c = stowage(['inspect', `docker://${reg.addr}/app@sha256:${'0'.repeat(64)}`]);
    assert.equal(c.status, 1);
    assert.match(oneLineError(c), /no such image/);
  });
});
