/**
 * `stowage have docker://REGISTRY/REPO` (issue 20, item 4): what a site's registry holds, for `delta --have`. Against
 * the real registry: every tag is recorded with the image ID, DiffIDs and the registry's own blob digests (as the
 * registry serves them), and a thin delta made against that record leaves out exactly the layers the site holds.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';

const tmp = scratch('stowage-have-reg-');

describe('have docker://REGISTRY/REPO', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry();
    for (const [file, tag] of [['app-1.tar', '1'], ['app-1.tar', 'stable']]) {
      const r = stowage(['copy', join(EXAMPLES, file), `docker://${reg.addr}/site/app:${tag}`]);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => reg?.stop());

  it('records every tag, with the DiffIDs and blob digests the registry serves', async () => {
    const have = json(stowage(['have', `docker://${reg.addr}/site/app`]));
    assert.equal(have.schema, 'stowage.have/v1');
    assert.deepEqual(have.images.flatMap((i: { tags: string[] }) => i.tags).sort(), [`${reg.addr}/site/app:1`, `${reg.addr}/site/app:stable`]);
    const inspected = json(stowage(['inspect', join(EXAMPLES, 'app-1.tar'), '--json']));
    const img = have.images[0];
    assert.equal(img.imageId, inspected.images[0].imageId);
    assert.deepEqual(img.diffIds, inspected.images[0].layers.map((l: { diffId: string }) => l.diffId));
    // The blobs are the registry's: read its manifest for the tag, by HTTP, not through stowage.
    const res = await fetch(`http://${reg.addr}/v2/site/app/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    const manifest = await res.json() as { layers: { digest: string; size: number }[] };
    assert.deepEqual(img.blobs.map((b: { digest: string }) => b.digest), manifest.layers.map((l) => l.digest));
  });

  it('a delta against the record leaves out what the site holds, and check says it applies', () => {
    const haveFile = join(tmp, 'site.json');
    assert.equal(stowage(['have', `docker://${reg.addr}/site/app:1`, '-o', haveFile, '-q']).status, 0);
    const d = join(tmp, 'd.tar');
    const r = json(stowage(['delta', join(EXAMPLES, 'app-2.tar'), '--have', haveFile, '-o', d, '--json']));
    const full = json(stowage(['inspect', join(EXAMPLES, 'app-2.tar'), '--json']));
    const base = json(stowage(['inspect', join(EXAMPLES, 'app-1.tar'), '--json']));
    const shared = full.images[0].layers.filter((l: { chainId: string }) => base.images[0].layers.some((b: { chainId: string }) => b.chainId === l.chainId)).length;
    assert.ok(shared > 0, 'app-2 shares layers with app-1');
    assert.equal(r.omitted.layers, shared, 'every layer the site holds is left out');
  });

  it('a repository with no tags, or a digest, is one line', () => {
    const r = stowage(['have', `docker://${reg.addr}/site/nothing-here`]);
    assert.equal(r.status, 1);
    oneLineError(r);
    const d = stowage(['have', `docker://${reg.addr}/site/app@sha256:${'0'.repeat(64)}`]);
    assert.equal(d.status, 2);
    assert.match(oneLineError(d), /have records tags/);
  });
});
