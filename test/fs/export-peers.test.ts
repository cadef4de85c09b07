/**
 * `stowage export` against the real references: `docker export` of a created container (dockerd 20.10) and
 * `umoci unpack` (after skopeo converts the archive to an OCI layout). Same paths, types, modes, owners, times of
 * non-directories, symlink targets, content hashes and hard-link groups, minus what docker adds to a container.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stowage } from '../helpers/cli.js';
import { APP, buildTestImages } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, haveCommand, haveDocker } from '../helpers/peers.js';
import { compareListings, listTar } from './fs-helpers.js';
import { FS_IMAGE, buildFsImage, crossLayerLinksImage, dockerAdded, dockerExport, umociFlatten } from './fs-images.js';

const tmp = scratch('stowage-fs-peers-');
const UMOCI_SKIP = !(haveCommand('umoci') && haveCommand('skopeo')) && 'umoci and skopeo are needed: run scripts/peers/install.sh (CI does)';

function exportWithStowage(archive: string, name: string): string {
  const out = join(tmp, `${name}-stowage.tar`);
  const r = stowage(['export', archive, '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

describe('stowage export = docker export of a created container', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  const saved: Record<string, string> = {};
  before(() => {
    buildFsImage();
    for (const [name, image] of [['fs', FS_IMAGE], ['app', APP]]) {
      saved[name] = join(tmp, `${name}.tar`);
      docker(['save', '-o', saved[name]!, image]);
    }
  });

  for (const [name, image] of [['fs', FS_IMAGE], ['app', APP]] as const) {
    it(`${image}: same paths, types, modes, owners, times, link targets, contents and hard-link groups`, async () => {
      const ours = await listTar(exportWithStowage(saved[name]!, name), { exclude: dockerAdded });
      const ref = join(tmp, `${name}-docker.tar`);
      dockerExport(image, ref);
      const theirs = await listTar(ref, { exclude: dockerAdded });
      assert.deepEqual(compareListings(ours, theirs, ['stowage export', 'docker export']), []);
      assert.ok(ours.size > 20, `a real filesystem (${ours.size} paths)`);
    });
  }

  it('the image really exercises the cases (whiteouts, opaque, replaced link targets, special modes, long names)', async () => {
    const ours = await listTar(join(tmp, 'fs-stowage.tar'));
    for (const gone of ['data/a.txt', 'data/dir', 'data/opq/old', 'data/suid', 'bin/true', 'x/f', 'y/f']) assert.ok(!ours.has(gone), `${gone} is deleted`);
    assert.equal(ours.get('t1')!.sha, createHash('sha256').update('456\n').digest('hex'));
    assert.equal(ours.get('t2')!.sha, createHash('sha256').update('123\n').digest('hex'));
    assert.deepEqual(ours.get('t3')!.group, ['t2', 't3']);
    assert.notEqual(ours.get('t1')!.sha, ours.get('t2')!.sha);
    assert.equal(ours.get('data/suid-hard')!.mode, 0o4755, 'the link left alone when its first name was deleted keeps the content and the setuid bit');
    assert.equal(ours.get('data/sticky')!.mode, 0o1777);
    assert.equal(ours.get('data/keep')!.mode, 0o2755);
    assert.equal(ours.get('data/owned')!.uid, 1000);
    assert.equal(ours.get('data/fifo')!.type, 'fifo');
    assert.equal(ours.get('x')!.type, 'file');
    assert.equal(ours.get('y')!.type, 'dir');
    assert.ok([...ours.keys()].some((p) => p.length > 255), 'a name over 255 bytes');
  });
});

describe('stowage export = umoci unpack', { skip: UMOCI_SKIP }, () => {
  it(`${FS_IMAGE} and ${APP}: the same filesystem`, { skip: !haveDocker() && DOCKER_SKIP }, async () => {
    buildFsImage();
    for (const [name, image] of [['fs-u', FS_IMAGE], ['app-u', APP]]) {
      const archive = join(tmp, `${name}.tar`);
      docker(['save', '-o', archive, image]);
      const ours = await listTar(exportWithStowage(archive, name));
      const ref = join(tmp, `${name}-umoci.tar`);
      umociFlatten(archive, ref);
      // umoci sets no directory times of its own; compare them too except the root's.
      assert.deepEqual(compareListings(ours, await listTar(ref), ['stowage export', 'umoci unpack']), [], image);
    }
  });

  it('hard links to files of lower layers whose target is later replaced or deleted (crane export\'s #2002)', async () => {
    const archive = join(tmp, 'xlinks.tar');
    await crossLayerLinksImage(archive);
    const ours = await listTar(exportWithStowage(archive, 'xlinks'));
    const ref = join(tmp, 'xlinks-umoci.tar');
    umociFlatten(archive, ref);
    const theirs = await listTar(ref);
    assert.deepEqual(compareListings(ours, theirs, ['stowage export', 'umoci unpack']), []);
    // What the issue describes, spelled out.
    assert.deepEqual(ours.get('t3')!.group, ['t2', 't3']);
    assert.equal(ours.get('lib/a.so'), undefined);
    assert.ok(ours.get('lib/a-link.so')!.sha);
    assert.notEqual(ours.get('lib/b-link.so')!.sha, ours.get('lib/b.so')!.sha);
  });
});
