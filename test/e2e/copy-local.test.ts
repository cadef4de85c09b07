/**
 * copy between local formats: every output is read back by stowage and by an independent reader (docker load,
 * skopeo, umoci, oci-image-tool), and keeps the image ID and every DiffID.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerInspect, haveCommand, haveDocker, run, skipUnless } from '../helpers/peers.js';
import { existsSync, readdirSync, mkdirSync } from 'node:fs';

const dir = scratch('stowage-copy-');
const SRC = join(EXAMPLES, 'app-2.tar');
const TAG = 'stowage-example/app:2';

function ids(source: string): { imageId: string; diffIds: string[] } {
  const img = json(stowage(['inspect', '--json', source])).images[0];
  return { imageId: img.imageId, diffIds: img.layers.map((l: any) => l.diffId) };
}

describe('copy between local formats', () => {
  let want: { imageId: string; diffIds: string[] };
  before(() => { want = ids(SRC); });
  const outs: Record<string, string> = {
    legacy: join(dir, 'legacy.tar'),
    docker25: join(dir, 'docker25.tar'),
    layout: join(dir, 'layout'),
    ociArchive: join(dir, 'oci.tar'),
  };

  it('writes every format, each verifying and keeping the image ID and DiffIDs', () => {
    assert.equal(stowage(['copy', '-q', SRC, outs.legacy!]).status, 0);
    assert.equal(stowage(['copy', '-q', '--layout', 'oci', SRC, outs.docker25!]).status, 0);
    assert.equal(stowage(['copy', '-q', SRC, `oci:${outs.layout}:v2`]).status, 0);
    assert.equal(stowage(['copy', '-q', `oci:${outs.layout}`, `oci-archive:${outs.ociArchive}`]).status, 0);
    for (const [name, p] of Object.entries(outs)) {
      assert.deepEqual(ids(p), want, name);
      assert.equal(stowage(['verify', '-q', p]).status, 0, name);
    }
    assert.match(json(stowage(['inspect', '--json', outs.legacy!])).flavor, /legacy layout/);
    assert.match(json(stowage(['inspect', '--json', outs.docker25!])).flavor, /Docker 25\+/);
  });

  it('a bare destination path: an OCI source to NAME.tar is an OCI archive file; --layout asks for a docker archive', () => {
    const file = join(dir, 'bare.tar');
    assert.equal(stowage(['copy', '-q', outs.layout!, file]).status, 0);
    assert.equal(json(stowage(['inspect', '--json', file])).format, 'oci-archive');
    const d = join(dir, 'bare-docker.tar');
    assert.equal(stowage(['copy', '-q', '--layout', 'oci', outs.layout!, d]).status, 0);
    const r = json(stowage(['inspect', '--json', d]));
    assert.equal(r.format, 'docker-archive');
    assert.match(r.flavor, /written by stowage \(Docker 25\+ layout: OCI layout plus manifest\.json\)/);
  });

  it('the legacy output names its v1 directories by moby\'s rule', () => {
    for (const l of json(stowage(['inspect', '--json', outs.legacy!])).images[0].layers) assert.equal(l.v1.matchesMoby, true);
  });

  it('docker load takes the legacy and the Docker 25 layouts', { skip: !haveDocker() && DOCKER_SKIP }, () => {
    for (const p of [outs.legacy!, outs.docker25!]) {
      try { docker(['rmi', TAG]); } catch { /* absent */ }
      assert.match(docker(['load', '-i', p]), new RegExp(`Loaded image: ${TAG}`));
      assert.equal(dockerInspect(TAG).Id, want.imageId);
    }
  });

  it('skopeo, umoci and oci-image-tool read the OCI outputs', { skip: skipUnless('skopeo') || skipUnless('umoci') }, () => {
    assert.deepEqual(JSON.parse(run('skopeo', ['inspect', `oci:${outs.layout}:v2`])).Layers, want.diffIds);
    assert.deepEqual(JSON.parse(run('skopeo', ['inspect', `oci-archive:${outs.ociArchive}`])).Layers, want.diffIds);
    assert.deepEqual(JSON.parse(run('skopeo', ['inspect', `docker-archive:${outs.docker25}`])).Layers, want.diffIds);
    assert.match(run('umoci', ['stat', '--image', `${outs.layout}:v2`]), /example base/);
    if (haveCommand('oci-image-tool')) assert.match(run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=v2', outs.layout!]), /Validation succeeded/);
  });

  it('refuses to write into an existing directory that is not a layout, or a missing folder, leaving nothing behind', () => {
    // An existing OCI layout takes the image as a new entry (issue 13; test/everyday/missing.test.ts); another
    // directory is refused.
    const plain = join(dir, 'plain-dir');
    mkdirSync(plain, { recursive: true });
    const r = stowage(['copy', SRC, `oci:${plain}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /already exists and is not an OCI layout/);
    assert.deepEqual(readdirSync(plain), []);
    const m = stowage(['copy', SRC, join(dir, 'no/such/dir/x.tar')]);
    assert.equal(m.status, 1);
    assert.match(oneLineError(m), /the folder .* does not exist/);
    assert.ok(!existsSync(join(dir, 'no')));
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('stowage-') && n.endsWith('.tmp')), []);
  });
});
