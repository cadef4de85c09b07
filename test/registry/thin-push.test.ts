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
