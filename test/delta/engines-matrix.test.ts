/**
 * The thin archive's promise on every engine people run: dockerd 20.10 (classic), Docker 28.5 classic and Docker
 * 28.5 with the containerd image store, each holding the base either loaded from a `docker save` (uncompressed
 * blobs) or pulled from a real registry (gzip blobs), for one target, two targets sharing a layer, and a target two
 * images above the base. In each cell: `stowage have` records the engine, `delta` writes the archive, `check
 * --docker` says OK, a plain `docker load` takes it, `docker image inspect` shows the target's DiffIDs and config,
 * and `docker run` prints what the target's command prints. Then the other way: with the base absent, or only
 * partly there, check says FAIL naming what is missing, and docker load (or, on the containerd store, the unpack
 * docker run needs) fails as it said.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { ENGINES, type Engine } from '../helpers/engines.js';
import { busyboxRootfs } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, haveDocker, haveCommand } from '../helpers/peers.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';

const dir = scratch('stowage-matrix-');
const token = randomBytes(4).toString('hex');
const name = (what: string) => `stowage-matrix/${what}:${token}`;
const BASE = name('base');
const APP = name('app');
const APPB = name('appb');
const APP2 = name('app2');
const tar = (n: string) => join(dir, `${n}.tar`);
const SCENARIOS: { what: string; targets: string[]; runs: Record<string, string> }[] = [
  { what: 'one target', targets: [APP], runs: { [APP]: `app-${token}` } },
  { what: 'two targets sharing a layer', targets: [APP, APPB], runs: { [APP]: `app-${token}`, [APPB]: `b-${token}` } },
  { what: 'a target two images above the base', targets: [APP2], runs: { [APP2]: `two-${token}` } },
];
const ALL = [APP2, APPB, APP, BASE];
const skip = !haveDocker() ? DOCKER_SKIP : REGISTRY_SKIP || (!haveCommand('skopeo') && 'skopeo is not installed: run scripts/peers/install.sh (CI does)');

/** Every test image of this file, gone from the engine (and the layers only they held). */
function clean(e: Engine, registry?: Registry): void {
  const refs = [...ALL, ...(registry ? [`${registry.addr}/stowage-matrix/base:${token}`] : [])];
  e.tryDocker(['rmi', '-f', ...refs]);
  e.tryDocker(['image', 'prune', '-f']);
}

function inspectOf(e: Engine, ref: string): { Id: string; RootFS: { Layers: string[] }; Config: { Cmd: string[] } } {
  return JSON.parse(e.docker(['image', 'inspect', ref]))[0];
}

describe('thin archives on every engine', { skip }, () => {
  let registry: Registry;
  const diffIds: Record<string, string[]> = {};
  before(async () => {
    // Built once on dockerd 20.10: a base nobody else has, an app on it, a second app sharing the app's COPY layer,
    // and an image two above the base.
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    execFileSync('cp', [busyboxRootfs(dir), join(ctx, 'rootfs.tar')]);
    writeFileSync(join(ctx, 'token'), token);
    execFileSync('sh', ['-c', `head -c 2000000 /dev/urandom > "${join(ctx, 'blob.bin')}" && touch -d @0 "${join(ctx, 'blob.bin')}"`]);
    const build = (tag: string, text: string) => {
      writeFileSync(join(ctx, 'Dockerfile'), text);
      docker(['build', '-q', '-t', tag, ctx]);
      docker(['save', '-o', tar(tag.split('/')[1]!.split(':')[0]!), tag]);
    };
    build(BASE, 'FROM scratch\nADD rootfs.tar /\nCOPY token /token\n');
    build(APP, `FROM ${BASE}\nCOPY blob.bin /app/blob.bin\nRUN echo app-${token} > /app/id\nCMD ["cat", "/app/id"]\n`);
    build(APPB, `FROM ${BASE}\nCOPY blob.bin /app/blob.bin\nRUN echo b-${token} > /app/b\nCMD ["cat", "/app/b"]\n`);
    build(APP2, `FROM ${APP}\nRUN echo two-${token} > /app/two\nCMD ["cat", "/app/two"]\n`);
    for (const t of ALL) diffIds[t] = json(stowage(['inspect', '--json', tar(t.split('/')[1]!.split(':')[0]!)])).images[0].layers.map((l: any) => l.diffId);
    assert.equal(diffIds[APP]![2], diffIds[APPB]![2], 'app and appb share their COPY layer');
    docker(['rmi', '-f', ...ALL]);
    // The same base in a real registry, with gzip blobs (skopeo compresses on push).
    registry = await startRegistry();
    execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${tar('base')}`, `docker://${registry.addr}/stowage-matrix/base:${token}`]);
  });
  after(() => {
    for (const e of ENGINES) if (!e.skip) clean(e, registry);
    registry?.stop();
  });

  for (const e of ENGINES) {
    describe(e.name, { skip: e.skip }, () => {
      const env = { DOCKER_HOST: e.host };
      for (const base of ['loaded from a docker save', 'pulled from a registry (gzip blobs)'] as const) {
        for (const sc of SCENARIOS) {
          it(`base ${base}, ${sc.what}: check says OK, docker load takes it, inspect and run see the targets`, () => {
            clean(e, registry);
            if (base === 'loaded from a docker save') e.docker(['load', '-q', '-i', tar('base')]);
            else e.docker(['pull', '-q', `${registry.addr}/stowage-matrix/base:${token}`]);
            const have = join(dir, `have-${token}.json`);
            const h = stowage(['have', '-o', have], { env });
            assert.equal(h.status, 0, h.stderr);
            const delta = join(dir, 'd.tar');
            const d = stowage(['delta', ...sc.targets.map((t) => tar(t.split('/')[1]!.split(':')[0]!)), '--have', have, '-o', delta, '--json']);
            const report = json(d);
            // The base's two layers are left out of every target; everything above it is shipped once.
            for (const img of report.images) {
              assert.deepEqual(img.layers.slice(0, 2).map((l: any) => l.included), [false, false]);
              assert.ok(img.layers.slice(2).every((l: any) => l.included));
              // A left-out layer is named by the blob this engine stores: gzip for a pull on the containerd store.
              const gz = base !== 'loaded from a docker save' && e.store === 'containerd';
              for (const l of img.layers.slice(0, 2)) assert.equal(l.blob.digest === l.diffId, !gz, JSON.stringify(l));
            }
            const c = stowage(['check', delta, '--docker', '--json'], { env });
            assert.equal(c.status, 0, c.stdout + c.stderr);
            assert.deepEqual(json(c).stores, [e.store]);
            const loaded = e.docker(['load', '-i', delta]);
            for (const t of sc.targets) {
              assert.match(loaded, new RegExp(`Loaded image: ${t}`));
              const info = inspectOf(e, t);
              assert.deepEqual(info.RootFS.Layers, diffIds[t]);
              assert.equal(e.docker(['run', '--rm', '--network', 'none', t]).trim(), sc.runs[t]);
            }
          });
        }
      }

      it('base absent: check says FAIL naming the base, and the load fails as it says', () => {
        clean(e, registry);
        const delta = join(dir, 'd-absent.tar');
        json(stowage(['delta', tar('app'), '--base', tar('base'), '-o', delta, '--json']));
        const c = stowage(['check', delta, '--docker', '--json'], { env });
        assert.equal(c.status, 1);
        const r = JSON.parse(c.stdout);
        assert.equal(r.ok, false);
        assert.deepEqual(r.missing.map((m: any) => m.diffId), diffIds[APP]!.slice(0, 2));
        assert.ok(r.missing.every((m: any) => m.providedBy.includes(BASE)));
        assertLoadFails(e, delta, APP);
      });

      it('base only partly there (the delta counts on the app, the engine holds the base alone): check names the app\'s layers, and the load fails', () => {
        clean(e, registry);
        e.docker(['load', '-q', '-i', tar('base')]);
        const delta = join(dir, 'd-partly.tar');
        json(stowage(['delta', tar('app2'), '--base', tar('app'), '-o', delta, '--json']));
        const c = stowage(['check', delta, '--docker', '--json'], { env });
        assert.equal(c.status, 1, c.stdout);
        assert.deepEqual(JSON.parse(c.stdout).missing.map((m: any) => m.diffId), diffIds[APP]!.slice(2, 4));
        assertLoadFails(e, delta, APP2);
      });

      it('squash, import and a full edit write archives this engine loads, and docker run sees their files', () => {
        clean(e, registry);
        const made = [
          { tag: name('squashed'), args: ['squash', tar('app'), '-o', join(dir, 'sq.tar'), '--tag', name('squashed')], file: join(dir, 'sq.tar'), runs: `app-${token}`, layers: 1 },
          { tag: name('edited'), args: ['edit', tar('app'), '-o', join(dir, 'ed.tar'), '--tag', name('edited'), '--cmd', '["cat","/token"]'], file: join(dir, 'ed.tar'), runs: token, layers: 4 },
        ];
        const rootfs = join(dir, 'rootfs.tar');
        assert.equal(stowage(['export', tar('app'), '-o', rootfs]).status, 0);
        made.push({ tag: name('imported'), args: ['import', rootfs, '-o', join(dir, 'im.tar'), '--tag', name('imported'), '--cmd', '["cat","/app/id"]'], file: join(dir, 'im.tar'), runs: `app-${token}`, layers: 1 });
        for (const m of made) {
          const r = stowage(m.args);
          assert.equal(r.status, 0, r.stderr);
          e.docker(['load', '-q', '-i', m.file]);
          assert.equal(inspectOf(e, m.tag).RootFS.Layers.length, m.layers);
          assert.equal(e.docker(['run', '--rm', '--network', 'none', m.tag]).trim(), m.runs, m.args[0]);
          e.tryDocker(['rmi', '-f', m.tag]);
        }
      });

      it('a legacy-layout delta: check says what this engine does with it', () => {
        clean(e, registry);
        e.docker(['load', '-q', '-i', tar('base')]);
        const delta = join(dir, 'd-legacy.tar');
        json(stowage(['delta', tar('app'), '--base', tar('base'), '--layout', 'legacy', '-o', delta, '--json']));
        const c = stowage(['check', delta, '--docker'], { env });
        if (e.store === 'classic') {
          assert.equal(c.status, 0, c.stdout + c.stderr);
          e.docker(['load', '-q', '-i', delta]);
          assert.equal(e.docker(['run', '--rm', '--network', 'none', APP]).trim(), `app-${token}`);
        } else {
          assert.equal(c.status, 1);
          assert.match(c.stdout, /legacy-layout archive must carry every layer/);
          const l = e.tryDocker(['load', '-i', delta]);
          assert.notEqual(l.status, 0);
          assert.match(l.out, /failed to resolve layers/);
        }
      });
    });
  }
});

/** docker load fails; or, on the containerd store, it stores the image but cannot unpack it, so it cannot run. */
function assertLoadFails(e: Engine, delta: string, ref: string): void {
  const l = e.tryDocker(['load', '-i', delta]);
  if (l.status !== 0) return;
  assert.match(l.out, /not found|no such file/i, l.out);
  assert.notEqual(e.tryDocker(['run', '--rm', '--network', 'none', ref]).status, 0, 'the image cannot run');
}
