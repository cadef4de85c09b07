/**
 * stowage edit on OCI layouts and archives, checked by independent readers: skopeo (inspect --config, --raw) and
 * umoci (stat). The source layout is written by skopeo (gzip layers, skopeo's manifest), so the edit must keep
 * another tool's blobs and descriptors as they are.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { haveCommand, run, skipUnless } from '../helpers/peers.js';

const dir = scratch('stowage-edit-oci-');
const skip = skipUnless('skopeo') || skipUnless('umoci');

describe('stowage edit on OCI layouts, read by skopeo and umoci', { skip }, () => {
  const src = join(dir, 'src');
  const out = join(dir, 'out');
  let orig: any;
  let origConfig: any;
  let report: any;
  before(() => {
    run('skopeo', ['copy', '-q', `docker-archive:${join(EXAMPLES, 'app-2.tar')}`, `oci:${src}:v2`]);
    orig = JSON.parse(run('skopeo', ['inspect', `oci:${src}:v2`]));
    origConfig = JSON.parse(run('skopeo', ['inspect', '--config', `oci:${src}:v2`]));
    report = json(stowage([
      'edit', `oci:${src}:v2`, '-o', `oci:${out}:edited`, '--json',
      '--entrypoint', '["/bin/app","--edited"]', '--clear-cmd', '--volume', '/data', '--expose', '8080', '--expose', '53/udp',
      '--env-rm', 'APP_MODE', '--env', 'EDITED=1', '--label-rm', 'org.example.version', '--label', 'org.example.edited=yes',
      '--user', 'nobody', '--workdir', '/srv', '--stop-signal', 'SIGQUIT',
      '--annotation', 'org.example.note=edited',
    ]));
  });

  it('skopeo inspect --config shows exactly the requested config', () => {
    const cfg = JSON.parse(run('skopeo', ['inspect', '--config', `oci:${out}:edited`]));
    const want = structuredClone(origConfig.config);
    want.Entrypoint = ['/bin/app', '--edited'];
    delete want.Cmd;
    want.Volumes = { '/data': {} };
    want.ExposedPorts = { '8080/tcp': {}, '53/udp': {} };
    want.Env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'EDITED=1'];
    want.Labels = { 'org.example.app': 'demo', 'org.example.edited': 'yes' };
    want.User = 'nobody';
    want.WorkingDir = '/srv';
    want.StopSignal = 'SIGQUIT';
    assert.deepEqual(cfg.config, want);
    assert.deepEqual(cfg.rootfs, origConfig.rootfs, 'the same DiffIDs');
    assert.equal(cfg.created, origConfig.created);
    assert.equal(cfg.history.length, origConfig.history.length + 1);
    assert.deepEqual(cfg.history.slice(0, -1), origConfig.history);
    assert.equal(cfg.history.at(-1).empty_layer, true);
    assert.match(cfg.history.at(-1).created_by, /^stowage edit: ENTRYPOINT \["\/bin\/app","--edited"\]; remove CMD; remove ENV APP_MODE; ENV EDITED=1; /);
  });

  it('the layer blobs are the source\'s (skopeo\'s gzip blobs, untouched); the manifest names the new config', () => {
    const got = JSON.parse(run('skopeo', ['inspect', `oci:${out}:edited`]));
    assert.deepEqual(got.Layers, orig.Layers);
    const rawText = run('skopeo', ['inspect', '--raw', `oci:${out}:edited`]);
    const raw = JSON.parse(rawText);
    const origRaw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${src}:v2`]));
    assert.deepEqual(raw.layers, origRaw.layers, 'the same layer descriptors (gzip media types, digests, sizes)');
    assert.equal(raw.config.digest, report.after.imageId);
    assert.deepEqual(raw.annotations, { 'org.example.note': 'edited' });
    assert.equal(report.after.manifestDigest, `sha256:${createHash('sha256').update(rawText).digest('hex')}`);
    assert.equal(stowage(['verify', '-q', `oci:${out}`]).status, 0);
  });

  it('umoci stat reads the edited image and lists the edit in its history', () => {
    const stat = JSON.parse(run('umoci', ['stat', '--json', '--image', `${out}:edited`]));
    const last = stat.history.at(-1);
    assert.equal(last.empty_layer, true);
    assert.match(last.created_by, /^stowage edit: /);
    assert.deepEqual(stat.history.filter((h: any) => h.diff_id).map((h: any) => h.diff_id), origConfig.rootfs.diff_ids);
    if (haveCommand('oci-image-tool')) assert.match(run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=edited', out]), /Validation succeeded/);
  });

  it('a second edit to an OCI archive keeps the manifest annotations, and --annotation-rm removes them', () => {
    const arch = join(dir, 'second.tar');
    const r = json(stowage(['edit', `oci:${out}:edited`, '-o', `oci-archive:${arch}:v3`, '--json', '--label', 'second=1']));
    assert.equal(r.written.format, 'oci-archive');
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci-archive:${arch}:v3`]));
    assert.deepEqual(raw.annotations, { 'org.example.note': 'edited' });
    assert.equal(JSON.parse(run('skopeo', ['inspect', '--config', `oci-archive:${arch}:v3`])).config.Labels.second, '1');
    const third = join(dir, 'third');
    json(stowage(['edit', `oci-archive:${arch}`, '-o', `oci:${third}`, '--json', '--annotation-rm', 'org.example.*']));
    const raw3 = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${third}`]));
    assert.equal(raw3.annotations, undefined);
  });

  it('annotations on an image read from a legacy docker save: the OCI output gets a manifest holding them', () => {
    const o = join(dir, 'from-legacy');
    const r = json(stowage(['edit', join(EXAMPLES, 'app-2.tar'), '-o', `oci:${o}:a`, '--json', '--annotation', 'k=v']));
    assert.deepEqual(r.changes, ['annotation k=v']);
    assert.equal(r.after.imageId, r.before.imageId, 'the config is untouched: same image ID');
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${o}:a`]));
    assert.deepEqual(raw.annotations, { k: 'v' });
    assert.equal(raw.config.digest, r.before.imageId);
  });
});
