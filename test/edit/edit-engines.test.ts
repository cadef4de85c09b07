/**
 * stowage edit between engines and registries, through the shared transports: an image in a real dockerd edited
 * into the same engine with --thin (no layer bytes move), and an image in a real registry edited into a new tag of
 * the same registry (only the new config and manifest are uploaded).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { BASE, buildTestImages } from '../helpers/images.js';
import { EXAMPLES } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerEnv, dockerInspect, haveDocker, run, skipUnless } from '../helpers/peers.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';

const SRC = 'stowage-e2e/edit-engine-src:1';
const NEW = 'stowage-e2e/edit-engine-new:1';

describe('stowage edit from and into a real dockerd', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  before(() => {
    buildTestImages();
    docker(['tag', BASE, SRC]);
  });

  it('docker-daemon: to docker-daemon: --thin loads the edited image next to the original, sharing its layers', () => {
    try { docker(['rmi', NEW]); } catch { /* absent */ }
    const r = json(stowage(['edit', `docker-daemon:${SRC}`, '-o', `docker-daemon:${NEW}`, '--thin', '--json',
      '--label', 'engine=edited', '--entrypoint', '["/bin/echo","from the engine"]'], { env: dockerEnv() }));
    assert.equal(r.written.thin, true);
    assert.equal(r.written.layersWritten, 0);
    const orig = dockerInspect(SRC);
    const got = dockerInspect(NEW);
    assert.equal(got.Id, r.after.imageId);
    assert.deepEqual(got.RootFS, orig.RootFS);
    assert.equal(got.Config.Labels.engine, 'edited');
    assert.deepEqual(got.Config.Entrypoint, ['/bin/echo', 'from the engine']);
    assert.match(docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', NEW]).split('\n')[0]!, /^stowage edit: ENTRYPOINT/);
  });
});

describe('stowage edit from and into a real registry', { skip: REGISTRY_SKIP || skipUnless('skopeo') }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry();
  });

  it('a registry image edited into a new tag uploads only the new config; skopeo reads the edit', () => {
    const first = `docker://${reg.addr}/edit/app:1`;
    const second = `docker://${reg.addr}/edit/app:2`;
    assert.equal(stowage(['edit', '-q', join(EXAMPLES, 'app-2.tar'), '-o', first, '--label', 'step=1']).status, 0);
    const uploads = reg.blobUploads('edit/app');
    const r = json(stowage(['edit', first, '-o', second, '--json', '--label', 'step=2', '--clear-cmd']));
    assert.equal(reg.blobUploads('edit/app') - uploads, 1, 'the config blob only');
    const cfg = JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', '--config', second]));
    assert.equal(cfg.config.Labels.step, '2');
    assert.equal(cfg.config.Cmd, undefined);
    assert.match(cfg.history.at(-1).created_by, /^stowage edit: remove CMD; LABEL step=2$/);
    const a = JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', '--raw', first]));
    const b = JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', '--raw', second]));
    assert.deepEqual(b.layers, a.layers, 'the same layer blobs');
    assert.equal(b.config.digest, r.after.imageId);
    reg.stop();
  });
});
