/**
 * `stowage layers` on a Docker 25+ save and on an image whose layers delete a file (the project's own fixtures,
 * scripts/fixtures/generate.mjs, in the shapes of go-containerregistry's hello-world-v25.tar and whiteout_image.tar,
 * which test/conformance/ggcr-fixtures.test.ts reads when ../shared is there): archives of every generation read,
 * and the figures their few bytes give by hand.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { fixtures } from '../helpers/fixtures.js';

describe('stowage layers on the generated archives', () => {
  let dir = '';
  before(async () => { dir = (await fixtures()).dir; });

  it('reads a Docker 25+ save (dive cannot)', () => {
    const r = json(stowage(['layers', join(dir, 'docker25.tar'), '--json']));
    assert.equal(r.layers.length, 1);
    assert.equal(r.efficiency, 1);
    assert.equal(r.wastedBytes, 0);
    assert.equal(r.userWastedPercent, 0, 'one layer: no user bytes and no waste');
    assert.deepEqual(r.layers[0].topFiles.map((f: any) => f.path), ['/hello']);
    assert.equal(r.visibleBytes, r.sizeBytes);
  });

  it('a file deleted by a whiteout above a layer of no bytes: dive divides by zero', () => {
    const r = json(stowage(['layers', join(dir, 'whiteout-image.tar'), '--json']));
    // Layer 1 stores foo.txt and bar.txt (4 bytes each); layer 2 deletes foo.txt; no later layer stores a byte.
    assert.deepEqual(r.layers.map((l: any) => l.size), [8, 0, 0]);
    assert.deepEqual(r.layers[0].topFiles, [{ path: '/bar.txt', size: 4 }, { path: '/foo.txt', size: 4 }]);
    assert.deepEqual(r.reclaimable, { overwritten: 0, deleted: 4, duplicate: 0, total: 4 });
    assert.equal(r.wastedBytes, 4, 'dive: /foo.txt 4 + the whiteout 0');
    assert.equal(r.efficiency, 4 / 8);
    assert.equal(r.userWastedPercent, null);
    const ci = stowage(['layers', join(dir, 'whiteout-image.tar'), '--highest-user-wasted-percent', '1', '--lowest-efficiency', 'disabled']);
    assert.equal(ci.status, 1, 'infinite user waste breaks any threshold');
    assert.match(ci.stderr, /user-wasted-percent=infinite: no user bytes/);
  });
});
