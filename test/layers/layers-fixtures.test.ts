/**
 * `stowage layers` on go-containerregistry's test archives (a Docker 25+ save, images whose layers overwrite and
 * delete a file): archives of every generation read, and the figures their few bytes give by hand.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { FIXTURES, FIXTURES_SKIP, haveFixtures } from '../helpers/paths.js';

describe('stowage layers on ggcr test archives', { skip: haveFixtures() ? false : FIXTURES_SKIP }, () => {
  it('reads a Docker 25+ save (dive cannot)', () => {
    const r = json(stowage(['layers', join(FIXTURES, 'hello-world-v25.tar'), '--json']));
    assert.equal(r.layers.length, 1);
    assert.equal(r.efficiency, 1);
    assert.equal(r.wastedBytes, 0);
    assert.equal(r.userWastedPercent, 0, 'one layer: no user bytes and no waste');
    assert.deepEqual(r.layers[0].topFiles.map((f: any) => f.path), ['/hello']);
    assert.equal(r.visibleBytes, r.sizeBytes);
  });

  it('a file deleted by a whiteout above a layer of no bytes: dive divides by zero', () => {
    const r = json(stowage(['layers', join(FIXTURES, 'whiteout_image.tar'), '--json']));
    // Layer 1 stores foo.txt and bar.txt (4 bytes each); layer 2 deletes foo.txt; no later layer stores a byte.
    assert.deepEqual(r.layers.map((l: any) => l.size), [8, 0, 0]);
    assert.deepEqual(r.layers[0].topFiles, [{ path: '/bar.txt', size: 4 }, { path: '/foo.txt', size: 4 }]);
    assert.deepEqual(r.reclaimable, { overwritten: 0, deleted: 4, duplicate: 0, total: 4 });
    assert.equal(r.wastedBytes, 4, 'dive: /foo.txt 4 + the whiteout 0');
    assert.equal(r.efficiency, 4 / 8);
    assert.equal(r.userWastedPercent, null);
    const ci = stowage(['layers', join(FIXTURES, 'whiteout_image.tar'), '--highest-user-wasted-percent', '1', '--lowest-efficiency', 'disabled']);
    assert.equal(ci.status, 1, 'infinite user waste breaks any threshold');
    assert.match(ci.stderr, /user-wasted-percent=infinite: no user bytes/);
  });
});
