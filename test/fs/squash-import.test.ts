/**
 * `stowage squash` and `stowage import` against a real dockerd: the results load with `docker load`, and
 * `docker run` sees the same files (paths, modes, owners, types, sizes, times, symlink targets, sha256 of every
 * file) as in the original image; `--above` keeps the base's layers shared (same ChainIDs in the engine).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { APP, BASE } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerInspect, haveDocker } from '../helpers/peers.js';
import { imageArchive } from '../helpers/build-image.js';
import { file, tarOf } from '../helpers/build-layer.js';
import { FS_IMAGE, buildFsImage, busyboxLayer, containerView, recreatedDirImage } from './fs-images.js';

const tmp = scratch('stowage-fs-squash-');

function load(path: string): void {
  docker(['load', '-q', '-i', path]);
}

describe('stowage squash, loaded by dockerd', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  const saved: Record<string, string> = {};
  let original: string[];
  before(() => {
    buildFsImage();
    for (const [name, image] of [['fs', FS_IMAGE], ['base', BASE], ['app', APP]]) {
      saved[name] = join(tmp, `${name}.tar`);
      docker(['save', '-o', saved[name]!, image]);
    }
    original = containerView(FS_IMAGE);
    assert.ok(original.length > 40, 'the original has files to compare');
  });

  it('all layers into one: docker run sees the same files; history and config are kept', () => {
    const out = join(tmp, 'flat.tar');
    const r = json(stowage(['squash', saved.fs!, '-o', out, '--tag', 'stowage-fs/flat:1', '--json']));
    assert.equal(r.after.layers, 1);
    assert.equal(r.kept, 0);
    load(out);
    const img = dockerInspect('stowage-fs/flat:1');
    assert.deepEqual(img.RootFS.Layers, [r.squashed.diffId]);
    assert.deepEqual(containerView('stowage-fs/flat:1'), original);
    assert.equal(img.Id, r.after.imageId);
    const hist = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}\t{{.Comment}}', 'stowage-fs/flat:1']).trim().split('\n');
    assert.equal(hist.length, 1);
    assert.match(hist[0]!, /^stowage squash: 5 layers merged into one\t\[/);
    assert.match(hist[0]!, /ln \/t2 \/t1/, 'the merged layers\' history is kept in the comment');
  });

  it('--above BASE: the base layers stay shared (same ChainIDs in the engine) and the result runs the same', () => {
    const out = join(tmp, 'above.tar');
    const r = json(stowage(['squash', saved.fs!, '--above', saved.base!, '-o', out, '--tag', 'stowage-fs/above:1', '--json']));
    const base = json(stowage(['inspect', '--json', saved.base!])).images[0];
    assert.equal(r.kept, base.layers.length);
    assert.deepEqual(r.after.chainIds.slice(0, r.kept), base.layers.map((l: any) => l.chainId));
    assert.ok(r.squashed.entries.whiteoutsKept >= 1, 'the deletion of the base\'s /bin/true is kept as a whiteout');
    load(out);
    const img = dockerInspect('stowage-fs/above:1');
    assert.deepEqual(img.RootFS.Layers.slice(0, r.kept), dockerInspect(BASE).RootFS.Layers);
    assert.equal(img.RootFS.Layers.length, r.kept + 1);
    assert.deepEqual(containerView('stowage-fs/above:1'), original);
  });

  it('--last 2: the layers below stay byte for byte; same files', () => {
    const out = join(tmp, 'last2.tar');
    const r = json(stowage(['squash', saved.fs!, '--last', '2', '-o', out, '--tag', 'stowage-fs/last2:1', '--json']));
    const before = json(stowage(['inspect', '--json', saved.fs!])).images[0];
    assert.deepEqual(r.after.diffIds.slice(0, -1), before.layers.slice(0, -2).map((l: any) => l.diffId));
    load(out);
    assert.deepEqual(containerView('stowage-fs/last2:1'), original);
  });

  it('a directory deleted and made again in the squashed layers is marked opaque, so the base\'s content stays hidden', async () => {
    const archive = join(tmp, 'recreated.tar');
    await recreatedDirImage(archive);
    load(archive);
    const out = join(tmp, 'recreated-last2.tar');
    const r = json(stowage(['squash', archive, '--last', '2', '-o', out, '--tag', 'stowage-fs/recreated:squashed', '--json']));
    assert.equal(r.squashed.entries.whiteoutsKept, 2, 'opaque markers for d/ and e/');
    load(out);
    const view = containerView('stowage-fs/recreated:squashed');
    assert.deepEqual(view, containerView('stowage-fs/recreated:1'));
    assert.ok(!view.some((l) => l.includes('from-base') || l.includes('e/old')));
    assert.ok(view.some((l) => l.startsWith('./d/new|')));
  });

  it('the edit flags apply; the entrypoint and command of the original still run', () => {
    const out = join(tmp, 'app-flat.tar');
    const r = json(stowage(['squash', saved.app!, '-o', out, '--tag', 'stowage-e2e/app:flat', '--env', 'SQUASHED=yes', '--label', 'org.example.flat=1', '--json']));
    assert.deepEqual(r.after.tags, ['stowage-e2e/app:flat']);
    load(out);
    assert.equal(docker(['run', '--rm', 'stowage-e2e/app:flat']).trim(), 'three');
    assert.equal(docker(['run', '--rm', 'stowage-e2e/app:flat', 'echo $APP $SQUASHED']).trim(), '1 yes');
    const cfg = dockerInspect('stowage-e2e/app:flat').Config;
    assert.equal(cfg.Labels['org.example.flat'], '1');
    assert.equal(cfg.Labels['org.example'], 'e2e');
    assert.equal(dockerInspect('stowage-e2e/app:flat').RootFS.Layers.length, 1);
  });

  it('refuses a base that is not the image\'s bottom, and bad counts, with one line', () => {
    const out = join(tmp, 'never.tar');
    let r = stowage(['squash', saved.base!, '--above', saved.fs!, '-o', out]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /is built on stowage-e2e\/base:1 \(it has 5 layers, stowage-e2e\/base:1 1\), not below it: --above wants the base/);
    r = stowage(['squash', saved.fs!, '--above', saved.app!, '-o', out]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /is not the base of the image: their layers differ from layer/);
    r = stowage(['squash', saved.fs!, '--last', '9', '-o', out]);
    assert.equal(r.status, 2);
    assert.match(oneLineError(r), /--last 9: the image has 5 layers/);
  });
});

describe('stowage import, loaded by dockerd', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  before(() => buildFsImage());

  it('docker export | stowage import: loads and runs, same files as the container', async () => {
    const cid = docker(['create', FS_IMAGE, '/bin/true']).trim();
    const exported = join(tmp, 'container.tar');
    docker(['export', '-o', exported, cid]);
    docker(['rm', cid]);
    const out = join(tmp, 'imported.tar');
    const r = json(stowage(['import', exported, '-o', out, '--tag', 'stowage-fs/imported:1', '--entrypoint', '["/bin/sh","-c"]', '--cmd', '["cat /t1 /t2 /t3"]', '--json']));
    assert.equal(r.entries.files > 5, true);
    load(out);
    assert.equal(docker(['run', '--rm', 'stowage-fs/imported:1']), '456\n123\n123\n');
    assert.deepEqual(containerView('stowage-fs/imported:1'), containerView(FS_IMAGE));
  });

  it('stowage export | stowage import --config-from: the original\'s config, one layer, same files', async () => {
    const saved = join(tmp, 'fs-for-import.tar');
    docker(['save', '-o', saved, APP]);
    const out = join(tmp, 'app-imported.tar');
    const exp = stowage(['export', saved, '-o', join(tmp, 'app-rootfs.tar')]);
    assert.equal(exp.status, 0, exp.stderr);
    const r = json(stowage(['import', join(tmp, 'app-rootfs.tar'), '--config-from', saved, '-o', out, '--tag', 'stowage-e2e/app:imported', '--json']));
    assert.equal(r.configFrom, saved);
    load(out);
    assert.equal(docker(['run', '--rm', 'stowage-e2e/app:imported']).trim(), 'three');
    assert.deepEqual(containerView('stowage-e2e/app:imported'), containerView(APP));
  });

  it('a gzip\'d rootfs from standard input, untagged, with whiteouts dropped and a warning', async () => {
    const rootfs = await tarOf([file('.wh.nothing', ''), file('hello', 'hi\n')]);
    const archive = join(tmp, 'bb.tar');
    await imageArchive(archive, [busyboxLayer(), rootfs]);
    const flat = join(tmp, 'bb-flat.tar');
    assert.equal(stowage(['export', archive, '-o', flat]).status, 0);
    const gz = join(tmp, 'bb-flat.tar.gz');
    const { execFileSync } = await import('node:child_process');
    execFileSync('sh', ['-c', `gzip -c "${flat}" > "${gz}"`]);
    const out = join(tmp, 'bb-imported.tar');
    const r = stowage(['import', '-', '-o', out, '--json'], { input: execFileSync('cat', [gz]) });
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.compression, 'gzip');
    assert.deepEqual(rep.image.tags, []);
    const loaded = docker(['load', '-i', out]);
    assert.match(loaded, new RegExp(rep.image.imageId));
    assert.equal(docker(['run', '--rm', rep.image.imageId, '/bin/cat', '/hello']), 'hi\n');
    // A rootfs tar with a whiteout in it: dropped, with a warning.
    const w = stowage(['import', join(tmp, 'wh-layer.tar'), '-o', join(tmp, 'x.tar')]);
    assert.equal(w.status, 1, 'a missing input is one error line');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(tmp, 'wh-layer.tar'), rootfs);
    const ok = stowage(['import', join(tmp, 'wh-layer.tar'), '-o', join(tmp, 'x.tar')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /warning: .*1 whiteout entries dropped/);
  });
});
