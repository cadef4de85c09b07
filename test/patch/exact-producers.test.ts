/**
 * Issue 20's end-to-end claim, with the real producers: an app pushed v1 then v2 to the real CNCF registry by
 * dockerd 20.10, Docker 28.5 (classic and containerd image stores), crane 0.20 and skopeo 1.22, and built and pushed
 * by BuildKit (`docker buildx build --push`, buildx 0.29 with the engine's own BuildKit, the `docker` driver, on
 * Docker 28.5 with each store), so its layers are gzip'd by each producer's own encoder (Go's compress/gzip of the Go
 * each was built with, go-containerregistry's level 1, containers/image's pgzip). `delta --patch` between the two upstream tags, then `apply` into a second
 * registry holding v1 (copied there by stowage): the site serves v2 under upstream's manifest digest with every
 * blob upstream's, and `docker pull SITE/app@<upstream digest>` works on each running engine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appArchive, appContext, served } from '../helpers/producer-app.js';
import { ENGINES, type Engine } from '../helpers/engines.js';
import { stowage } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';

const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';
const SCRIPT = join(ROOT, 'scripts/peers/modern-engine.sh');
const FORKY_SKIP = existsSync(join(FORKY, 'usr/bin/crane')) && existsSync(join(FORKY, 'usr/bin/skopeo')) && process.getuid?.() === 0 ? false
  : `the forky chroot with crane 0.20 and skopeo 1.22 is not at ${FORKY}: run scripts/peers/modern-engine.sh setup as root (CI does)`;
const DOCKER28 = (store: Engine['store']) => ENGINES.find((e) => e.name.startsWith('Docker 28.5') && e.store === store)!;
const BUILDX_SKIP = existsSync(join(FORKY, 'usr/libexec/docker/cli-plugins/docker-buildx')) && existsSync(join(FORKY, 'usr/bin/docker')) ? false
  : `docker-buildx 0.29 and the docker CLI are not in the forky chroot at ${FORKY}: run scripts/peers/modern-engine.sh setup as root (CI does)`;
const peer = (args: string[]) => execFileSync(SCRIPT, ['run', ...args], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

interface Producer {
  name: string;
  skip: string | false;
  /**
   * Pushes the app as `ref` (a loopback registry, plain HTTP), from its docker save archive (tagged `loaded` inside)
   * or, for a builder, its build context folder.
   */
  push(app: { archive: string; loaded: string; context: string }, ref: string): void;
  /** It pushes an index listing an attestation manifest beside the image (tested on its own). */
  attestation?: boolean;
}

const enginePush = (e: Engine): Producer => ({
  name: `${e.name}: docker push`,
  skip: e.skip,
  push: ({ archive, loaded }, ref) => {
    e.docker(['load', '-i', archive]);
    e.docker(['tag', loaded, ref]);
    e.docker(['push', '-q', ref]);
    e.tryDocker(['rmi', ref, loaded]);
  },
});

/**
 * BuildKit as the engine runs it: the chroot's `docker buildx build` (buildx 0.29.1) with the `docker` driver, so
 * the BuildKit inside Docker 28.5's dockerd builds and pushes. The loopback registry needs no insecure setting:
 * the docker driver resolves registries through the daemon's own configuration, where 127.0.0.0/8 is insecure by
 * default. With the classic store BuildKit exports into the engine's image store and the engine pushes ("pushing
 * with docker"); with the containerd store BuildKit compresses and pushes itself (util/compression: Go's
 * compress/gzip at DefaultCompression, the Go dockerd was built with), under an index that by default also lists
 * its provenance attestation manifest (`--provenance=false` leaves it out).
 */
const buildkitPush = (e: Engine, flags: string[] = []): Producer => ({
  name: `BuildKit (buildx 0.29, docker driver) on ${e.name}: docker buildx build --push${flags.map((f) => ` ${f}`).join('')}`,
  skip: e.skip || FORKY_SKIP || BUILDX_SKIP,
  push: ({ context }, ref) => {
    // The engine's socket as the chroot sees it, and a docker config folder of the test's own (buildx keeps state there).
    const host = `unix://${e.host.replace(/^unix:\/\//, '').slice(FORKY.length)}`;
    peer(['env', `DOCKER_HOST=${host}`, `DOCKER_CONFIG=${join(dirname(context), 'docker-config')}`,
      'docker', 'buildx', 'build', '--progress', 'quiet', '--push', ...flags, '-t', ref, context]);
    // The classic store keeps the tag it pushed from.
    e.tryDocker(['rmi', ref]);
  },
});

const PRODUCERS: Producer[] = [
  ...ENGINES.map(enginePush),
  { name: 'crane 0.20: crane push', skip: FORKY_SKIP, push: ({ archive }, ref) => { peer(['crane', 'push', '--insecure', archive, ref]); } },
  {
    name: 'skopeo 1.22: skopeo copy', skip: FORKY_SKIP,
    push: ({ archive }, ref) => { peer(['skopeo', 'copy', '-q', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${ref}`]); },
  },
  buildkitPush(DOCKER28('classic')),
  buildkitPush(DOCKER28('containerd'), ['--provenance=false']),
  // BuildKit's default on the containerd store, with its provenance attestation: a test of its own (below).
  { ...buildkitPush(DOCKER28('containerd')), attestation: true },
];

describe('images pushed by the real producers arrive with upstream\'s digests through a patch delta', { skip: REGISTRY_SKIP }, () => {
  let up: Registry;
  let site: Registry;
  // The chroot shares the host's /tmp, so the archives the peers read live there.
  const dir = mkdtempSync('/tmp/stowage-exact-producers-');
  const archive = (v: number) => join(dir, `app-${v}.tar`);
  const context = (v: number) => join(dir, `ctx-${v}`);
  before(async () => {
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    for (const v of [1, 2]) {
      await appArchive(archive(v), v, `stowage-exact/app:${v}`);
      appContext(context(v), v);
    }
  });
  after(() => {
    up?.stop();
    site?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const p of PRODUCERS.filter((x) => !x.attestation)) {
    it(p.name, { skip: p.skip }, async (t) => {
      const k = PRODUCERS.indexOf(p);
      const repo = `p${k}/app`;
      for (const v of [1, 2]) p.push({ archive: archive(v), loaded: `stowage-exact/app:${v}`, context: context(v) }, `${up.addr}/${repo}:${v}`);
      const [u1, u2] = [await served(up, repo, '1'), await served(up, repo, '2')];
      assert.equal(u2.status, 200, `${p.name} pushed v2`);
      // The site holds v1 as upstream served it (stowage copy keeps the manifest digest).
      const c = stowage(['copy', `docker://${up.addr}/${repo}:1`, `docker://${site.addr}/${repo}:1`]);
      assert.equal(c.status, 0, c.stderr);
      assert.equal((await served(site, repo, '1')).digest, u1.digest);
      const d = stowage(['delta', `docker://${up.addr}/${repo}:2`, '--base', `docker://${up.addr}/${repo}:1`, '--patch', '-o', join(dir, `${k}.patch`), '--json']);
      assert.equal(d.status, 0, d.stderr);
      const report = JSON.parse(d.stdout);
      assert.equal(report.images[0].exact, true, `${p.name}: ${report.images[0].notExact ?? JSON.stringify(report.layers.map((l: any) => l.noRecipe))}`);
      const app = report.layers.find((l: any) => l.how !== 'base');
      t.diagnostic(`changed layer: ${app.recipe ?? 'stored uncompressed'}; delta ${report.archiveBytes} bytes`);
      assert.equal(app.how, 'patch', 'the changed layer travels as a patch, recompressed at the site');
      // The containerd image store pushes the layers as it holds them, uncompressed: rebuilt, they are the blob.
      const gzipped = /gzip/.test(u2.manifest.layers[1].mediaType);
      if (gzipped) assert.equal(app.blobDigest, u2.manifest.layers[1].digest);
      else assert.equal(u2.manifest.layers[1].digest, app.diffId);
      const a = stowage(['apply', join(dir, `${k}.patch`), '--base', `docker://${site.addr}/${repo}:1`, '-o', `docker://${site.addr}/${repo}:2`, '--json']);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(JSON.parse(a.stdout).images[0].recompressed, gzipped ? 1 : 0);
      const s2 = await served(site, repo, '2');
      assert.equal(s2.digest, u2.digest, `${p.name}: the site serves v2 under upstream's manifest digest (recipe ${app.recipe})`);
      assert.deepEqual(s2.doc, u2.doc);
      assert.deepEqual(s2.manifest, u2.manifest);
      for (const l of u2.manifest.layers) {
        assert.equal((await fetch(`http://${site.addr}/v2/${repo}/blobs/${l.digest}`, { method: 'HEAD' })).status, 200, `blob ${l.digest} at the site`);
      }
      // Every running engine pulls the image by upstream's digest from the site.
      for (const e of ENGINES.filter((x) => !x.skip)) {
        const ref = `${site.addr}/${repo}@${u2.digest}`;
        const pull = e.tryDocker(['pull', '-q', ref]);
        assert.equal(pull.status, 0, `${e.name}: docker pull ${ref}: ${pull.out}`);
        assert.ok(e.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]).includes(u2.digest!), `${e.name} records the digest`);
        e.tryDocker(['rmi', ref]);
      }
    });
  }

  // BuildKit's default on the containerd store: the index lists the image and its provenance attestation manifest
  // (annotated `vnd.docker.reference.type: attestation-manifest`, platform unknown/unknown). stowage reads the
  // attestation as what it is, not as an image, and carries it with the index (its manifest and in-toto blobs): the
  // site serves upstream's index digest, the image under upstream's manifest digest, and the attestation as pushed.
  for (const attested of PRODUCERS.filter((x) => x.attestation)) it(`${attested.name} (with its provenance attestation)`, { skip: attested.skip }, async (t) => {
    const repo = 'attested/app';
    for (const v of [1, 2]) attested.push({ archive: archive(v), loaded: `stowage-exact/app:${v}`, context: context(v) }, `${up.addr}/${repo}:${v}`);
    const u2 = await served(up, repo, '2');
    const kinds = u2.doc.manifests.map((m: any) => m.annotations?.['vnd.docker.reference.type'] ?? `${m.platform.os}/${m.platform.architecture}`);
    assert.deepEqual(kinds, ['linux/amd64', 'attestation-manifest'], 'BuildKit pushed an index of the image and its attestation');
    const imageDigest = u2.doc.manifests[0].digest as string;
    const c = stowage(['copy', `docker://${up.addr}/${repo}:1`, `docker://${site.addr}/${repo}:1`]);
    assert.equal(c.status, 0, c.stderr);
    // copy docker:// docker:// keeps the index with its attestation: the site serves upstream's v1 index digest.
    assert.equal((await served(site, repo, '1')).digest, (await served(up, repo, '1')).digest);
    const out = join(dir, 'attested.patch');
    const d = stowage(['delta', `docker://${up.addr}/${repo}:2`, '--base', `docker://${up.addr}/${repo}:1`, '--patch', '-o', out, '--json']);
    assert.equal(d.status, 0, d.stderr);
    const report = JSON.parse(d.stdout);
    assert.equal(report.images.length, 1, 'the attestation manifest is not taken for an image');
    assert.equal(report.images[0].exact, true, report.images[0].notExact);
    assert.equal(report.layers.find((l: any) => l.how !== 'base').recipe, 'go-flate 1.27 level 6');
    assert.equal(report.index.digest, u2.digest);
    assert.equal(report.index.exact, true, report.index.notExact);
    const attestation = u2.doc.manifests[1].digest as string;
    assert.deepEqual(report.index.artifacts.map((x: any) => x.digest), [attestation]);
    t.diagnostic(`index ${u2.digest} with attestation ${attestation}; delta ${report.archiveBytes} bytes`);
    const a = stowage(['apply', out, '--base', `docker://${site.addr}/${repo}:1`, '-o', `docker://${site.addr}/${repo}:2`, '--json']);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).index.exact, true);
    const s2 = await served(site, repo, '2');
    assert.equal(s2.digest, u2.digest, 'the site serves upstream\'s index digest');
    assert.deepEqual(s2.doc, u2.doc);
    assert.deepEqual(s2.manifest, u2.manifest, 'and upstream\'s image manifest under it');
    // The attestation manifest as BuildKit pushed it, and its blobs (image config, in-toto statement).
    const [ua, sa] = [await served(up, repo, attestation), await served(site, repo, attestation)];
    assert.equal(sa.digest, attestation);
    assert.deepEqual(sa.doc, ua.doc);
    for (const b of [ua.doc.config, ...ua.doc.layers]) {
      const [x, y] = await Promise.all([up, site].map(async (r) => Buffer.from(await (await fetch(`http://${r.addr}/v2/${repo}/blobs/${b.digest}`)).arrayBuffer())));
      assert.deepEqual(y, x, `attestation blob ${b.digest} at the site`);
    }
    for (const e of ENGINES.filter((x) => !x.skip)) {
      const ref = `${site.addr}/${repo}@${u2.digest}`;
      const pull = e.tryDocker(['pull', '-q', ref]);
      assert.equal(pull.status, 0, `${e.name}: docker pull ${ref}: ${pull.out}`);
      e.tryDocker(['rmi', ref]);
    }
    for (const e of ENGINES.filter((x) => !x.skip)) {
      const ref = `${site.addr}/${repo}@${imageDigest}`;
      const pull = e.tryDocker(['pull', '-q', ref]);
      assert.equal(pull.status, 0, `${e.name}: docker pull ${ref}: ${pull.out}`);
      e.tryDocker(['rmi', ref]);
    }
  });
});
