/**
 * The core promise, against a real dockerd (classic store): a machine holding the base loads the thin delta with a
 * plain `docker load`; without the base, `check` names what is missing and `apply` rebuilds a full image.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { busyboxRootfs } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerEnv, dockerInspect, haveDocker, layerdb } from '../helpers/peers.js';

const dir = scratch('stowage-delta-');
const token = randomBytes(4).toString('hex');
const BASE = `stowage-delta/base:${token}`;
const APP = `stowage-delta/app:${token}`;
const APP2 = `stowage-delta/app2:${token}`;
const tar = (n: string) => join(dir, `${n}.tar`);
const rmi = (...names: string[]) => { for (const n of names) { try { docker(['rmi', '-f', n]); } catch { /* absent */ } } };
const present = (chainId: string) => existsSync(join(layerdb(), chainId.slice(7)));
const ids = (p: string) => json(stowage(['inspect', '--json', p])).images.map((i: any) => i.imageId);
const chainsOf = (p: string) => json(stowage(['inspect', '--json', p])).images.flatMap((i: any) => i.layers.map((l: any) => l.chainId));

describe('delta with a real dockerd', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  let appId: string;
  let app2Id: string;
  before(() => {
    // A base nobody else has: busybox plus a file unique to this run, so its layers are absent until we load them.
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    const rootfs = busyboxRootfs(dir);
    writeFileSync(join(ctx, 'token'), token);
    writeFileSync(join(ctx, 'Dockerfile.base'), `FROM scratch\nADD rootfs.tar /\nCOPY token /token\n`);
    execFileSync('cp', [rootfs, join(ctx, 'rootfs.tar')]);
    docker(['build', '-q', '-t', BASE, '-f', join(ctx, 'Dockerfile.base'), ctx]);
    execFileSync('sh', ['-c', `head -c 3000000 /dev/urandom > "${join(ctx, 'blob.bin')}"`]);
    writeFileSync(join(ctx, 'Dockerfile.app'), `FROM ${BASE}\nCOPY blob.bin /app/blob.bin\nRUN echo app-${token} > /app/id\nCMD ["cat", "/app/id"]\n`);
    docker(['build', '-q', '-t', APP, '-f', join(ctx, 'Dockerfile.app'), ctx]);
    writeFileSync(join(ctx, 'Dockerfile.app2'), `FROM ${APP}\nRUN echo two > /app/two\nCMD ["cat", "/app/two"]\n`);
    docker(['build', '-q', '-t', APP2, '-f', join(ctx, 'Dockerfile.app2'), ctx]);
    docker(['save', '-o', tar('base'), BASE]);
    docker(['save', '-o', tar('app'), APP]);
    docker(['save', '-o', tar('app2'), APP2]);
    appId = dockerInspect(APP).Id;
    app2Id = dockerInspect(APP2).Id;
  });
  after(() => rmi(APP2, APP, BASE));

  /** The engine holds the base and nothing built on it. */
  function onlyBase(): void {
    rmi(APP2, APP);
    docker(['load', '-q', '-i', tar('base')]);
    const appChains = chainsOf(tar('app'));
    assert.ok(!present(appChains[appChains.length - 1]), 'the app\'s top layer is gone from the engine');
  }

  it('base loaded: the thin delta loads with a plain docker load, same image ID, and runs', () => {
    const r = stowage(['delta', tar('app'), '--base', tar('base'), '-o', tar('d1')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /left out: the target has it/);
    onlyBase();
    assert.match(docker(['load', '-i', tar('d1')]), new RegExp(`Loaded image: ${APP}`));
    assert.equal(dockerInspect(APP).Id, appId);
    assert.equal(docker(['run', '--rm', APP]).trim(), `app-${token}`);
  });

  it('the delta is the missing layers plus less than 64 KiB', () => {
    const d = json(stowage(['inspect', '--json', tar('d1')])).images[0];
    const missing = d.layers.filter((l: any) => l.present).reduce((a: number, l: any) => a + l.blob.size, 0);
    const size = statSync(tar('d1')).size;
    assert.ok(missing > 3_000_000);
    assert.ok(size - missing < 64 * 1024, `${size} - ${missing} bytes of overhead`);
  });

  it('base absent: check names the missing layers and their image, and exits 1', () => {
    rmi(APP2, APP, BASE);
    const r = stowage(['check', tar('d1'), '--docker'], { env: dockerEnv() });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`MISSING: neither in the delta nor on the target; ${BASE.replace(/[/.]/g, '\\$&')} provides it`));
    assert.match(r.stdout, /FAIL: \d+ layers? missing/);
    const j = JSON.parse(stowage(['check', tar('d1'), '--docker', '--json'], { env: dockerEnv() }).stdout);
    assert.equal(j.ok, false);
    const baseChains = chainsOf(tar('base'));
    assert.deepEqual(j.missing.map((m: any) => m.chainId), baseChains.filter((c: string) => !present(c)));
    // And docker load itself fails as check said it would.
    assert.throws(() => docker(['load', '-i', tar('d1')]), /no such file or directory/);
  });

  it('base absent: apply rebuilds a full archive that loads into the engine and runs', () => {
    rmi(APP2, APP, BASE);
    const r = stowage(['apply', tar('d1'), '--base', tar('base'), '-o', tar('full1')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /DiffIDs verified/);
    docker(['load', '-q', '-i', tar('full1')]);
    assert.equal(dockerInspect(APP).Id, appId);
    assert.equal(docker(['run', '--rm', APP]).trim(), `app-${token}`);
    rmi(APP, BASE);
    const d = stowage(['apply', tar('d1'), '--base', tar('base'), '-o', 'docker-daemon:'], { env: dockerEnv() });
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stderr, /loaded into the engine/);
    assert.equal(dockerInspect(APP).Id, appId);
  });

  it('check says OK once the base is there', () => {
    onlyBase();
    const r = stowage(['check', tar('d1'), '--docker'], { env: dockerEnv() });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /OK: a plain `docker load -i` will succeed/);
  });

  it('two targets sharing layers, one of them two images above the base (legacy layout: one file, one symlink)', () => {
    const r = stowage(['delta', tar('app'), tar('app2'), '--base', tar('base'), '--layout', 'legacy', '-o', tar('d2'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    const baseChains = new Set(chainsOf(tar('base')));
    const inside = json(stowage(['inspect', '--json', tar('d2')])).images.flatMap((i: any) => i.layers.filter((l: any) => l.present).map((l: any) => l.chainId));
    const wanted = new Set([...chainsOf(tar('app')), ...chainsOf(tar('app2'))].filter((c) => !baseChains.has(c)));
    assert.deepEqual(new Set(inside), wanted);
    assert.equal(rep.included.layers, wanted.size, 'shared layers counted once');
    // The same stack is the top of app and a lower layer of app2: two v1 names, one file and one symlink (as docker does).
    const files = execFileSync('tar', ['-tvf', tar('d2')]).toString().split('\n').filter((f) => f.endsWith('layer.tar') && f.startsWith('-'));
    assert.equal(files.length, wanted.size, 'each included layer stored once');
    onlyBase();
    docker(['load', '-q', '-i', tar('d2')]);
    assert.equal(dockerInspect(APP).Id, appId);
    assert.equal(dockerInspect(APP2).Id, app2Id);
    assert.equal(docker(['run', '--rm', APP2]).trim(), 'two');
  });

  it('have from the engine and from docker image inspect JSON give the same delta', () => {
    onlyBase();
    const fromEngine = join(dir, 'have-engine.json');
    assert.equal(stowage(['have', 'docker-daemon:', '-o', fromEngine], { env: dockerEnv() }).status, 0);
    const inspectJson = join(dir, 'have-inspect.json');
    writeFileSync(inspectJson, docker(['image', 'inspect', BASE]));
    for (const h of [fromEngine, inspectJson]) {
      const r = stowage(['delta', tar('app'), '--have', h, '-o', tar('dh'), '--json']);
      assert.equal(r.status, 0, r.stderr);
      const inc = JSON.parse(r.stdout).images[0].layers.map((l: any) => l.included);
      const ref = JSON.parse(stowage(['delta', tar('app'), '--base', tar('base'), '-o', tar('dref'), '--json']).stdout).images[0].layers.map((l: any) => l.included);
      assert.deepEqual(inc, ref, h);
    }
  });

  it('the ssh-style pipe: docker save | stowage delta - | docker load, and from docker-daemon:', () => {
    onlyBase();
    const have = join(dir, 'have-pipe.json');
    writeFileSync(have, docker(['image', 'inspect', BASE]));
    docker(['load', '-q', '-i', tar('app')]);
    const script = `docker save ${APP} | node "${process.argv[1] ? join(process.cwd(), 'dist/src/cli/main.js') : ''}" delta - --have "${have}" -o - -q > "${tar('piped')}"`;
    execFileSync('sh', ['-c', script], { env: { ...dockerEnv(), STOWAGE_NO_PROGRESS: '1' }, cwd: process.cwd() });
    assert.deepEqual(ids(tar('piped')), [appId]);
    const viaEngine = stowage(['delta', `docker-daemon:${APP}`, '--have', have, '-o', tar('from-engine')], { env: dockerEnv() });
    assert.equal(viaEngine.status, 0, viaEngine.stderr);
    onlyBase();
    execFileSync('sh', ['-c', `cat "${tar('piped')}" | docker load -q`], { env: dockerEnv() });
    assert.equal(dockerInspect(APP).Id, appId);
    onlyBase();
    docker(['load', '-q', '-i', tar('from-engine')]);
    assert.equal(docker(['run', '--rm', APP]).trim(), `app-${token}`);
  });

  it('bad input: wrong base, bad have file, tampered layer, missing folder, nothing missing', () => {
    const wrong = stowage(['apply', tar('d1'), '--base', tar('app2'), '-o', tar('x')]);
    // app2 holds every layer of app, so that base works; a truly wrong base is an unrelated image:
    assert.equal(wrong.status, 0, wrong.stderr);
    const unrelated = join(dir, 'unrelated.tar');
    execFileSync('cp', [join(process.cwd(), 'examples/app-1.tar'), unrelated]);
    const bad = stowage(['apply', tar('d1'), '--base', unrelated, '-o', tar('y')]);
    assert.equal(bad.status, 1);
    assert.match(oneLineError(bad), new RegExp(`the base does not hold layer 1 of ${APP.replace(/[/.]/g, '\\$&')} .*made against ${BASE.replace(/[/.]/g, '\\$&')}`));
    assert.ok(!existsSync(tar('y')));

    const notHave = join(dir, 'not-have.json');
    writeFileSync(notHave, '{"hello": 1}');
    const h = stowage(['delta', tar('app'), '--have', notHave, '-o', tar('z')]);
    assert.equal(h.status, 1);
    assert.match(oneLineError(h), /not a have file/);

    const m = stowage(['delta', tar('app'), '--base', tar('base'), '-o', join(dir, 'missing/dir/d.tar')]);
    assert.equal(m.status, 1);
    assert.match(oneLineError(m), /does not exist/);

    const none = stowage(['delta', tar('app'), '--base', tar('app2'), '-o', tar('none')]);
    assert.equal(none.status, 0);
    assert.match(none.stderr, /the target already holds every layer/);
    assert.ok(statSync(tar('none')).size < 64 * 1024);
  });

  it('a layer that fails its DiffID stops the delta, file or stream, and leaves no output', () => {
    const x = join(dir, 'tampered');
    mkdirSync(x);
    execFileSync('tar', ['-C', x, '-xf', tar('app')]);
    const m = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
    const top = join(x, m[0].Layers[m[0].Layers.length - 1]);
    const bytes = readFileSync(top);
    bytes[bytes.length - 2000] ^= 0xff;
    writeFileSync(top, bytes);
    execFileSync('tar', ['-C', x, '-cf', tar('tampered'), '.']);
    const r = stowage(['delta', tar('tampered'), '--base', tar('base'), '-o', tar('t-out')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /DiffID is sha256:[0-9a-f]+, but the config says/);
    assert.ok(!existsSync(tar('t-out')));
    const s = stowage(['delta', '-', '--base', tar('base'), '-o', tar('t-out2')], { input: readFileSync(tar('tampered')) });
    assert.equal(s.status, 1);
    assert.match(oneLineError(s), /DiffID is sha256:[0-9a-f]+, but the config says/);
    assert.ok(!existsSync(tar('t-out2')));
  });
});
