/**
 * Between the Docker engine and a registry, through stowage alone: push an engine's image (docker-daemon:), pull a
 * registry image into the engine, and push an image whose base the registry already holds: only the new layers go.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { APP, BASE, buildTestImages } from '../helpers/images.js';
import { DOCKER_HOST, DOCKER_SKIP, docker, dockerInspect, haveDocker } from '../helpers/peers.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';

const ENV = { DOCKER_HOST };

describe('registry and the Docker engine', { skip: REGISTRY_SKIP || (!haveDocker() && DOCKER_SKIP) }, () => {
  let reg: Registry;
  before(async () => {
    buildTestImages();
    reg = await startRegistry();
  });
  after(() => reg?.stop());

  it('pushes the engine\'s base, then the app: only the app\'s own layers are uploaded', () => {
    const baseLayers = dockerInspect(BASE).RootFS.Layers.length;
    const appLayers = dockerInspect(APP).RootFS.Layers.length;
    const b = json(stowage(['copy', '--json', `docker-daemon:${BASE}`, `docker://${reg.addr}/e2e/app:base`], { env: ENV }));
    assert.equal(b.registry.uploaded, baseLayers);
    const before = reg.blobUploads('e2e/app');
    const a = json(stowage(['push', '--json', `docker-daemon:${APP}`, `${reg.addr}/e2e/app:1`], { env: ENV }));
    assert.equal(a.registry.uploaded, appLayers - baseLayers);
    assert.equal(a.registry.existing, baseLayers);
    assert.equal(reg.blobUploads('e2e/app') - before, appLayers - baseLayers + 1, 'the new layers and the config');
    assert.equal(a.images[0].imageId, dockerInspect(APP).Id);
  });

  it('pulls into the engine with the same image ID, and docker runs it', () => {
    try { docker(['rmi', '-f', `${reg.addr}/e2e/app:1`]); } catch { /* absent */ }
    const r = stowage(['pull', '-q', `${reg.addr}/e2e/app:1`, `docker-daemon:${reg.addr}/e2e/app:pulled`], { env: ENV });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(dockerInspect(`${reg.addr}/e2e/app:pulled`).Id, dockerInspect(APP).Id);
    assert.equal(docker(['run', '--rm', '--network', 'none', `${reg.addr}/e2e/app:pulled`]).trim(), 'three');
    // Without a destination, into the engine under the registry's name, as docker pull does.
    try { docker(['rmi', '-f', `${reg.addr}/e2e/app:base`]); } catch { /* absent */ }
    assert.equal(stowage(['pull', '-q', `${reg.addr}/e2e/app:base`], { env: ENV }).status, 0);
    assert.equal(dockerInspect(`${reg.addr}/e2e/app:base`).Id, dockerInspect(BASE).Id);
  });
});
