/**
 * stowage edit against a real dockerd (20.10, classic store): an image built with VOLUME, EXPOSE, ENTRYPOINT, CMD,
 * ENV, LABEL, HEALTHCHECK, USER, WORKDIR and STOPSIGNAL is edited; the engine loads the result, `docker image
 * inspect` shows exactly the requested config, `docker run` uses the new entrypoint, `docker history` shows the edit,
 * and the layers (DiffIDs) are the original's. A thin edit loads next to the original.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { corruptFirstLayer } from '../helpers/corrupt.js';
import { BASE, buildOnBase } from '../helpers/images.js';
import { CLI, scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerEnv, dockerInspect, haveDocker } from '../helpers/peers.js';

const dir = scratch('stowage-edit-docker-');
// Names of this file's own, so that test files running at the same time on the same engine do not collide.
const SRC = 'stowage-e2e/edit-src:1';
const OUT = 'stowage-e2e/edit-out:1';
const THIN = 'stowage-e2e/edit-thin:1';
const PIPED = 'stowage-e2e/edit-piped:1';
const D25 = 'stowage-e2e/edit-d25:1';
const PIPED_THIN = 'stowage-e2e/edit-piped-thin:1';

function buildSource(): void {
  buildOnBase(SRC, [
    'RUN mkdir -p /data /cache /srv && echo payload > /srv/file',
    'VOLUME ["/data", "/cache"]',
    'EXPOSE 80 443/udp 8080',
    'ENV A=1 B=2 KEEP=yes',
    'LABEL a=1 b=2 org.opencontainers.image.title=src',
    'HEALTHCHECK CMD true',
    'USER 1000',
    'WORKDIR /srv',
    'STOPSIGNAL SIGUSR1',
    'ENTRYPOINT ["/bin/sh", "-c"]',
    'CMD ["echo original"]',
  ]);
}

const rmi = (...names: string[]) => {
  for (const n of names) {
    try { docker(['rmi', n]); } catch { /* absent */ }
  }
};

describe('stowage edit, loaded by a real dockerd', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  let saved: string;
  let orig: any;
  before(() => {
    buildSource();
    orig = dockerInspect(SRC);
    saved = join(dir, 'src.tar');
    docker(['save', '-o', saved, SRC]);
  });

  it('docker image inspect shows exactly the requested config; DiffIDs and the rest are the original\'s', () => {
    const out = join(dir, 'out.tar');
    const r = stowage([
      'edit', saved, '-o', out, '--json',
      '--entrypoint', '["/bin/echo", "edited", "entrypoint"]', '--clear-cmd',
      '--volume-rm', '/data', '--volume', '/logs', '--expose-rm', '80', '--expose', '9000/udp',
      '--env', 'B=3', '--env-rm', 'A', '--env', 'NEW=x y',
      '--label', 'c=3', '--label-rm', 'a', '--label-rm', 'org.opencontainers.*',
      '--user', '', '--workdir', '/tmp', '--stop-signal', 'SIGINT', '--clear-healthcheck',
      '--author', 'Edited By <e@example.com>',
      '--tag', OUT,
    ]);
    const report = json(r);
    assert.equal(report.schema, 'stowage.edit/v1');
    rmi(OUT);
    assert.match(docker(['load', '-i', out]), new RegExp(`Loaded image: ${OUT}`));
    const got = dockerInspect(OUT);
    assert.equal(got.Id, report.after.imageId);
    assert.notEqual(got.Id, orig.Id);

    const want = structuredClone(orig.Config);
    want.Entrypoint = ['/bin/echo', 'edited', 'entrypoint'];
    want.Cmd = null;
    want.Volumes = { '/cache': {}, '/logs': {} };
    want.ExposedPorts = { '443/udp': {}, '8080/tcp': {}, '9000/udp': {} };
    want.Env = orig.Config.Env.filter((e: string) => !e.startsWith('A=')).map((e: string) => (e === 'B=2' ? 'B=3' : e)).concat(['NEW=x y']);
    want.Labels = { b: '2', c: '3' };
    want.User = '';
    want.WorkingDir = '/tmp';
    want.StopSignal = 'SIGINT';
    delete want.Healthcheck;
    assert.deepEqual(got.Config, want);
    assert.equal(got.Author, 'Edited By <e@example.com>');
    // Everything else is the original's: layers, platform, created, the build's container config.
    assert.deepEqual(got.RootFS, orig.RootFS);
    assert.deepEqual(report.diffIds, orig.RootFS.Layers);
    for (const k of ['Architecture', 'Os', 'Created', 'ContainerConfig', 'DockerVersion', 'Size']) assert.deepEqual(got[k], orig[k], k);
  });

  it('docker run uses the new entrypoint', () => {
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', OUT], { env: dockerEnv() }).toString();
    assert.equal(out.trim(), 'edited entrypoint');
    const orig = execFileSync('docker', ['run', '--rm', '--network', 'none', SRC], { env: dockerEnv() }).toString();
    assert.equal(orig.trim(), 'original');
  });

  it('docker history shows the edit as an empty layer on top of the original history', () => {
    const lines = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}\t{{.Size}}', OUT]).trim().split('\n');
    const origLines = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}\t{{.Size}}', SRC]).trim().split('\n');
    assert.equal(lines.length, origLines.length + 1);
    assert.deepEqual(lines.slice(1), origLines);
    assert.match(lines[0]!, /^stowage edit: ENTRYPOINT \["\/bin\/echo","edited","entrypoint"\]; remove CMD; remove ENV A; ENV B=3; .*remove VOLUME \/data; VOLUME \/logs; remove EXPOSE 80\/tcp; EXPOSE 9000\/udp; remove USER; WORKDIR \/tmp; STOPSIGNAL SIGINT; remove HEALTHCHECK;.*\t0B$/);
  });

  it('a thin edit holds no layer files and loads next to the original', () => {
    const thin = join(dir, 'thin.tar');
    const r = json(stowage(['edit', saved, '-o', thin, '--thin', '--json', '--label', 'thin=yes', '--clear-volumes', '--tag', THIN]));
    assert.equal(r.written.thin, true);
    assert.equal(r.written.layersWritten, 0);
    const listing = execFileSync('tar', ['-tf', thin]).toString().trim().split('\n');
    assert.ok(!listing.some((n) => n.endsWith('layer.tar')), listing.join(' '));
    const layers = json(stowage(['inspect', '--json', thin])).images[0].layers;
    assert.ok(layers.every((l: any) => !l.present));
    rmi(THIN);
    assert.match(docker(['load', '-i', thin]), new RegExp(`Loaded image: ${THIN}`));
    const got = dockerInspect(THIN);
    assert.equal(got.Id, r.after.imageId);
    assert.equal(got.Config.Labels.thin, 'yes');
    assert.equal(got.Config.Volumes, null);
    assert.deepEqual(got.RootFS.Layers, orig.RootFS.Layers);
    assert.equal(dockerInspect(SRC).Id, orig.Id, 'the original is still there, untouched');
  });

  it('a Docker 25 layout output loads too', () => {
    const out = join(dir, 'd25.tar');
    assert.equal(stowage(['edit', saved, '-q', '-o', out, '--layout', 'oci', '--clear-entrypoint', '--cmd', 'echo d25', '--tag', D25]).status, 0);
    rmi(D25);
    docker(['load', '-i', out]);
    assert.deepEqual(dockerInspect(D25).Config.Cmd, ['/bin/sh', '-c', 'echo d25']);
    assert.equal(execFileSync('docker', ['run', '--rm', '--network', 'none', D25], { env: dockerEnv() }).toString().trim(), 'd25');
  });

  it('docker save | stowage edit - -o - | docker load, in one pipe', () => {
    rmi(PIPED);
    const env = { ...dockerEnv(), STOWAGE_NO_PROGRESS: '1' };
    const out = execFileSync('sh', ['-c', `docker save ${SRC} | "${process.execPath}" "${CLI}" edit -q - -o - --entrypoint '["/bin/echo","piped"]' --tag ${PIPED} | docker load`], { env, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    assert.match(out, new RegExp(`Loaded image: ${PIPED}`));
    assert.equal(execFileSync('docker', ['run', '--rm', '--network', 'none', PIPED], { env }).toString().trim(), 'piped echo original');
  });

  it('docker save | stowage edit - --thin | docker load: read in one pass, no layer written, loads next to the original', () => {
    rmi(PIPED_THIN);
    const env = { ...dockerEnv(), STOWAGE_NO_PROGRESS: '1' };
    const out = execFileSync('sh', ['-c', `docker save ${SRC} | "${process.execPath}" "${CLI}" edit -q - -o - --thin --label piped=thin --tag ${PIPED_THIN} | tee "${join(dir, 'piped-thin.tar')}" | docker load`], { env, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    assert.match(out, new RegExp(`Loaded image: ${PIPED_THIN}`));
    assert.ok(!execFileSync('tar', ['-tf', join(dir, 'piped-thin.tar')]).toString().includes('layer.tar'));
    assert.equal(dockerInspect(PIPED_THIN).Config.Labels.piped, 'thin');
    assert.deepEqual(dockerInspect(PIPED_THIN).RootFS, orig.RootFS);
  });

  it('a layer of over 1 MiB that does not match its DiffID fails the edit (hashed in a worker thread)', async () => {
    const bad = await corruptFirstLayer(saved, join(dir, 'corrupt.tar'));
    const out = join(dir, 'from-corrupt.tar');
    const r = stowage(['edit', bad, '-o', out, '--label', 'a=b']);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /layer 1 of stowage-e2e\/edit-src:1: (bytes hash to|DiffID is) sha256:[0-9a-f]{64}, (expected|but the config says) sha256:/);
    assert.ok(!existsSync(out));
  });

  it('picks one image of a multi-image archive by tag, and names the tags there are when the tag is unknown', () => {
    const both = join(dir, 'both.tar');
    docker(['save', '-o', both, SRC, BASE]);
    const none = stowage(['edit', `${both}:nope:1`, '-o', join(dir, 'x.tar'), '--label', 'x=1']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no image tagged nope:1 \(it has: .*stowage-e2e\/edit-src:1/);
    const amb = stowage(['edit', both, '-o', join(dir, 'x.tar'), '--label', 'x=1']);
    assert.equal(amb.status, 1);
    assert.match(amb.stderr, /holds 2 images; choose one/);
    const one = json(stowage(['edit', `${both}:${BASE}`, '--dry-run', '--json', '--label', 'x=1']));
    assert.deepEqual(one.before.tags, [BASE]);
  });
});
