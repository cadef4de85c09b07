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
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { files, tarOf, writeTar } from '../helpers/build-layer.js';
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
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

/** Text-like content, the same for the same seed: compressible, as source files are. */
function words(seed: string, n: number): string {
  const vocab = ['alpha', 'beta', 'gamma', 'config', 'return', 'value', 'struct', 'import', 'the', 'of', 'layer', 'digest'];
  let h = createHash('sha256').update(seed).digest();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 32 === 0) h = createHash('sha256').update(h).digest();
    out.push(vocab[h[i % 32]! % vocab.length]!);
    if (i % 10 === 9) out.push(`${i}\n`);
  }
  return out.join(' ');
}

/**
 * A docker save archive (uncompressed layers) of the app at a version, tagged `tag`: a base layer the same in both
 * versions, and an app layer whose files v2 changes by a few lines (so it is patched, and recompressed on apply).
 */
function appFiles(version: number): { base: Record<string, string>; app: Record<string, string> } {
  const app: Record<string, string> = {};
  for (let i = 0; i < 6; i++) app[`app/src-${i}.txt`] = words(`app-${i}`, 7000) + (version > 1 && i % 2 ? words(`app-${i}-v${version}`, 200) : '');
  return { base: { 'base/os-release': words('base', 20000) }, app };
}

async function appArchive(path: string, version: number, tag: string): Promise<void> {
  const { base, app } = appFiles(version);
  const tars = [await tarOf(files(base)), await tarOf(files(app))];
  const diffIds = tars.map(sha);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: [{ created_by: 'base' }, { created_by: `app ${version}` }] }));
  await writeTar(path, [
    { name: 'manifest.json', data: JSON.stringify([{ Config: `${sha(config).slice(7)}.json`, RepoTags: [tag], Layers: diffIds.map((d) => `${d.slice(7)}/layer.tar`) }]) },
    { name: `${sha(config).slice(7)}.json`, data: config },
    ...tars.map((t, i) => ({ name: `${diffIds[i]!.slice(7)}/layer.tar`, data: t })),
  ]);
}

/**
 * The same app as a build context for BuildKit: a Dockerfile copying the base files, then the app files, each a
 * layer. Every file and folder gets one fixed mtime, so v1's and v2's base layers are the same tar (BuildKit keeps a
 * context file's mtime in the layer) and only the app layer changes.
 */
function appContext(ctx: string, version: number): void {
  const { base, app } = appFiles(version);
  const all: Record<string, string> = { ...base, ...app, Dockerfile: 'FROM scratch\nCOPY base/ /base/\nCOPY app/ /app/\nCMD ["/app"]\n' };
  for (const [name, data] of Object.entries(all)) {
    mkdirSync(dirname(join(ctx, name)), { recursive: true });
    writeFileSync(join(ctx, name), data);
  }
  for (const name of [...Object.keys(all), 'base', 'app', '.']) utimesSync(join(ctx, name), 1700000000, 1700000000);
}

/**
 * What the registry serves under a tag: the digest of the document (an image manifest, or the index the containerd
 * image store pushes even one platform under), the document, and the image manifest itself.
 */
async function served(reg: Registry, repo: string, ref: string): Promise<{ status: number; digest: string | null; doc: any; manifest: any }> {
  const get = async (r: string) => {
    const res = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${r}`, { headers: { Accept: ACCEPT } });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, digest: res.headers.get('docker-content-digest'), doc: res.status === 200 ? JSON.parse(bytes.toString('utf8')) : null };
  };
  const top = await get(ref);
  const manifest = top.doc?.manifests ? (await get(top.doc.manifests[0].digest)).doc : top.doc;
  return { ...top, manifest };
}

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
