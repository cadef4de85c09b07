/**
 * Pushing a thin archive (what `stowage delta` writes) to a repository that does not hold its base: refused in one
 * line saying what to give; with --base-repo the left-out layers are mounted from the repository holding the base
 * (counted in the real registry's log: no upload of them), and the pushed image verifies and pulls whole.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { DOCKER_SKIP, docker, haveDocker } from '../helpers/peers.js';

const dir = scratch('stowage-thin-push-');
const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');

describe('pushing a thin archive to a new repository', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  const delta = join(dir, 'd.tar');
  before(async () => {
    reg = await startRegistry();
    json(stowage(['push', '--json', APP1, `${reg.addr}/team/base:1`]));
    assert.equal(stowage(['delta', APP2, '--base', APP1, '-o', delta, '-q']).status, 0);
  });
  after(() => reg?.stop());

  it('without the base there, one line naming --base-repo, and no tag written', () => {
    const r = stowage(['push', delta, `${reg.addr}/other/app:2`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /not in the source \(a thin archive\).*--base-repo REPO/);
    assert.notEqual(stowage(['inspect', `docker://${reg.addr}/other/app:2`]).status, 0, 'nothing was tagged');
  });

  it('with --base-repo, the base layers are mounted, only the new layer is uploaded, and the image is whole', () => {
    const uploads = reg.blobUploads('other/app');
    const r = json(stowage(['push', '--json', '--base-repo', 'team/base', delta, `${reg.addr}/other/app:2`]));
    assert.equal(r.registry.mounted, 2);
    assert.equal(reg.mounts('other/app'), 2, 'two mounts in the registry log');
    assert.equal(reg.blobUploads('other/app') - uploads, 2, 'the new layer and the config');
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/other/app:2`]).status, 0);
    const pushed = json(stowage(['inspect', '--json', `docker://${reg.addr}/other/app:2`])).images[0];
    const orig = json(stowage(['inspect', '--json', APP2])).images[0];
    assert.equal(pushed.imageId, orig.imageId);
    assert.deepEqual(pushed.layers.map((l: any) => l.diffId), orig.layers.map((l: any) => l.diffId));
  });
});

describe('a zstd image pulled to a legacy docker archive', { skip: REGISTRY_SKIP || (!haveDocker() && DOCKER_SKIP) }, () => {
  let reg: Registry;
  before(async () => { reg = await startRegistry(); });
  after(() => reg?.stop());

  it('stores its layers as plain tars, so dockerd 20.10 loads it with the same DiffIDs', () => {
    json(stowage(['push', '--json', '--compression', 'zstd', APP2, `${reg.addr}/zstd/app:2`]));
    const pulled = json(stowage(['inspect', '--json', `docker://${reg.addr}/zstd/app:2`])).images[0];
    assert.ok(pulled.layers.every((l: any) => l.blob.mediaType.endsWith('+zstd')), 'the registry holds zstd blobs');
    const out = join(dir, 'zstd-legacy.tar');
    const r = stowage(['pull', `docker://${reg.addr}/zstd/app:2`, out, '--layout', 'legacy']);
    assert.equal(r.status, 0, r.stderr);
    const local = json(stowage(['inspect', '--json', out])).images[0];
    assert.ok(local.layers.every((l: any) => l.compression === 'none'));
    assert.equal(stowage(['verify', '-q', out]).status, 0);
    const tag = local.tags[0];
    try { docker(['rmi', '-f', tag]); } catch { /* absent */ }
    docker(['load', '-q', '-i', out]);
    const info = JSON.parse(docker(['image', 'inspect', tag]))[0];
    docker(['rmi', '-f', tag]);
    assert.equal(info.Id, pulled.imageId);
    assert.deepEqual(info.RootFS.Layers, pulled.layers.map((l: any) => l.diffId));
  });
});
