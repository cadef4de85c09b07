/**
 * `stowage layers` on an image the real dockerd 20.10 builds (legacy builder), where the waste is known by
 * construction: a file written then deleted, a file overwritten (once with new bytes, once with the same bytes by a
 * chmod, which overlay2 copies up whole), a directory deleted, the same content copied under another name in a
 * later layer, and a hard link to a lower file (overlay2 copies the target up: the lower copy becomes waste). Every
 * figure, stowage's and dive's, equals the one worked out below from the Dockerfile; the same figures come from
 * every source stowage reads the image from.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage, stowagePiped } from '../helpers/cli.js';
import { busyboxRootfs } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_HOST, DOCKER_SKIP, docker, haveDocker } from '../helpers/peers.js';
import { tarEntries } from '../helpers/tar-entries.js';
import { MiB, WASTE_IMAGE, buildWasteImage } from './waste-image.js';

const skip = haveDocker() ? false : DOCKER_SKIP;
const tmp = scratch('stowage-layers-docker-');
const ARCHIVE = join(tmp, 'waste.tar');
/** The base layer's file bytes: the busybox binary (the rest are symlinks and a directory), read from its tar. */
let B = 0;

describe('stowage layers on an image dockerd built', { skip }, () => {
  before(async () => {
    buildWasteImage();
    docker(['save', '-o', ARCHIVE, WASTE_IMAGE]);
    const rootfs = busyboxRootfs(scratch('stowage-layers-bb-'));
    B = tarEntries(rootfs).filter((h) => h.type === 'file').reduce((a, h) => a + h.data.length, 0);
  });

  it("every figure equals the one the Dockerfile gives, stowage's and dive's", () => {
    const r = json(stowage(['layers', ARCHIVE, '--json']));
    // Layer sizes: the base; RUN 1 writes big, del, over, dir/a, dir/b, src; RUN 2 writes over (120000), copy,
    // and big again (the hard link copies it up; the link itself is 0); RUN 3's chmod copies over up (120000).
    const L2 = MiB + 200000 + 100000 + 30000 + 20000 + 50000;
    const L3 = 120000 + 50000 + MiB;
    const L4 = 120000;
    assert.deepEqual(r.layers.map((l: any) => l.size), [B, L2, L3, L4]);
    assert.equal(r.sizeBytes, B + L2 + L3 + L4);
    assert.equal(r.userSizeBytes, L2 + L3 + L4);

    // stowage: layer 2's big (copied up by the link) and over are overwritten, del and dir/{a,b} deleted;
    // layer 3's over is overwritten by the chmod, and its copy duplicates layer 2's src, still visible.
    assert.deepEqual(r.layers[0].reclaimable, { overwritten: 0, deleted: 0, duplicate: 0, total: 0 });
    assert.deepEqual(r.layers[1].reclaimable, { overwritten: MiB + 100000, deleted: 200000 + 30000 + 20000, duplicate: 0, total: MiB + 100000 + 250000 });
    assert.deepEqual(r.layers[2].reclaimable, { overwritten: 120000, deleted: 0, duplicate: 50000, total: 170000 });
    assert.deepEqual(r.layers[3].reclaimable, { overwritten: 0, deleted: 0, duplicate: 0, total: 0 });
    assert.deepEqual(r.reclaimable, { overwritten: MiB + 100000 + 120000, deleted: 250000, duplicate: 50000, total: MiB + 220000 + 250000 + 50000 });
    assert.equal(r.visibleBytes, B + MiB + 50000 + 50000 + 120000, 'busybox, big, src, copy, over');
    assert.deepEqual(r.layers[2].removed, { entries: 4, bytes: 250000 }, 'del, dir, dir/a, dir/b');
    assert.equal(r.layers[2].whiteouts, 2);
    assert.deepEqual(r.layers[2].changed, { entries: 2, bytes: 120000 + MiB }, 'over, big');
    assert.deepEqual(r.layers[2].added, { entries: 2, bytes: 50000 }, 'copy, big-link');
    assert.equal(r.layers[2].entries.hardlinks, 1);

    // dive: leaves per layer. Layer 3's whiteout of del (a file) counts 0, its whiteout of dir counts a + b; the
    // path /w/dir is a leaf only there. Repeated paths: /w/big (2 x MiB), /w/del (200000 + 0), /w/over (100000 +
    // 120000 + 120000). The base's paths each appear once, min = cumulative = their size.
    const wasted = 2 * MiB + 200000 + 340000;
    assert.equal(r.wastedBytes, wasted);
    const min = B + MiB + 0 + 100000 + 30000 + 20000 + 50000 + 50000 /* /w/dir */ + 50000 /* copy */ + 0 /* big-link */;
    const cum = B + 2 * MiB + 200000 + 340000 + 30000 + 20000 + 50000 + 50000 + 50000 + 0;
    assert.equal(r.efficiency, min / cum);
    assert.equal(r.userWastedPercent, wasted / (L2 + L3 + L4));
    assert.deepEqual(r.layers.map((l: any) => l.wastedBytes), [0, MiB + 200000 + 100000, MiB + 0 + 120000, 120000]);
    assert.deepEqual(r.inefficiencies.map((x: any) => [x.path, x.count, x.cumulativeBytes]), [['/w/big', 2, 2 * MiB], ['/w/over', 3, 340000], ['/w/del', 2, 200000]]);

    // History: the command that made each layer, as docker records it.
    assert.match(r.layers[3].history.createdBy, /chmod 600 \/w\/over/);
    assert.equal(r.image.imageId, JSON.parse(docker(['image', 'inspect', WASTE_IMAGE]))[0].Id);
  });

  it('the same figures from the engine, an OCI layout and a piped docker save', async () => {
    const want = json(stowage(['layers', ARCHIVE, '--json']));
    const layout = join(tmp, 'oci');
    assert.equal(stowage(['copy', ARCHIVE, `oci:${layout}:w`]).status, 0);
    const fromEngine = json(stowage(['layers', `docker-daemon:${WASTE_IMAGE}`, '--json'], { env: { DOCKER_HOST } }));
    const fromLayout = json(stowage(['layers', `oci:${layout}:w`, '--json']));
    const piped = json(await stowagePiped(['layers', '-', '--json'], ARCHIVE));
    for (const [what, got] of [['engine', fromEngine], ['layout', fromLayout], ['pipe', piped]] as const) {
      for (const k of ['efficiency', 'wastedBytes', 'userWastedPercent', 'sizeBytes', 'visibleBytes', 'reclaimable']) assert.deepEqual(got[k], want[k], `${what}: ${k}`);
      assert.deepEqual(got.layers.map((l: any) => [l.size, l.wastedBytes, l.reclaimable.total]), want.layers.map((l: any) => [l.size, l.wastedBytes, l.reclaimable.total]), what);
    }
  });

  it('gates CI on the figures: dive-style thresholds pass and fail where the numbers say', () => {
    const wasted = 2 * MiB + 200000 + 340000;
    assert.equal(stowage(['layers', ARCHIVE, '--highest-wasted-bytes', String(wasted), '--lowest-efficiency', '0.6', '--highest-user-wasted-percent', '0.95']).status, 0);
    const r = stowage(['layers', ARCHIVE, '--highest-wasted-bytes', String(wasted - 1), '--lowest-efficiency', '0.6', '--highest-user-wasted-percent', '0.9']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /highestWastedBytes: too many bytes wasted/);
    assert.match(r.stderr, /highestUserWastedPercent: too many bytes wasted/);
    assert.doesNotMatch(r.stderr, /lowestEfficiency/);
  });
});
