/**
 * `stowage bundle` and `apply BUNDLE` (issue 21) into OCI layouts and the real registry: a release of five apps on
 * two shared bases in three versions (test/helpers/release.ts), sites at v1 and at v2 as layouts and as a registry,
 * their state recorded by `stowage have`; a bundle v1->v2, and one bundle v3 for sites at v1 or v2 (the site that
 * skipped v2). Outcomes are the release's own image IDs (config digests computed by the test from the bytes it
 * wrote), DiffIDs re-hashed by test/helpers/validate.ts, the registry's own manifests and its upload log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { CLI, scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { APPS, archivesOf, buildRelease, type ReleaseImage, type Version } from '../helpers/release.js';

const tmp = scratch('stowage-bundle-');
let rel: Map<string, ReleaseImage>;

const bases = (...vs: Version[]) => vs.flatMap((v) => archivesOf(rel, v).flatMap((a) => ['--base', a]));
const ok = (args: string[]) => {
  const r = stowage(args);
  assert.equal(r.status, 0, `stowage ${args.join(' ')}: ${r.stderr}`);
  return r;
};

/** An OCI layout holding the release at version v, and its `stowage have` record. */
function site(name: string, v: Version): { dir: string; have: string } {
  const dir = join(tmp, name);
  for (const a of APPS) ok(['copy', rel.get(`${a}:${v}`)!.archive, `oci:${dir}:${a}-${v}`, '-q']);
  const have = join(tmp, `${name}.have.json`);
  ok(['have', `oci:${dir}`, '-o', have, '-q']);
  return { dir, have };
}

/** The image IDs a layout holds (its images' config digests), read by stowage inspect. */
function imageIds(src: string): Set<string> {
  return new Set(json(ok(['inspect', src, '--json'])).images.map((i: { imageId: string }) => i.imageId));
}

/** A patch delta's index: its first entry (docs/patch-format.md), read here with plain Buffer arithmetic. */
function patchIndex(file: string): any {
  const b = readFileSync(file);
  const size = parseInt(b.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8);
  return JSON.parse(b.toString('utf8', 512, 512 + size));
}

const archiveBytes = (v: Version) => archivesOf(rel, v).reduce((n, a) => n + statSync(a).size, 0);

before(async () => {
  rel = await buildRelease(join(tmp, 'release'));
});

describe('bundle into OCI layouts', () => {
  let s1: { dir: string; have: string };
  let s2: { dir: string; have: string };
  before(() => {
    s1 = site('site-v1', 1);
    s2 = site('site-v2', 2);
  });

  it('v1 -> v2: one bundle for five images, each shared layer once, applied with no --base', () => {
    const b = join(tmp, 'r2.bundle');
    const r = json(ok(['bundle', ...archivesOf(rel, 2), '--site', s1.have, ...bases(1), '-o', b, '--json']));
    assert.equal(r.schema, 'stowage.bundle/v1');
    assert.equal(r.images.length, 5);
    // 8 distinct layers: the busybox root, two runtimes (held by the site), five app layers (patched).
    assert.equal(r.layers.length, 8);
    assert.deepEqual(r.layers.map((l: { how: string }) => l.how).sort(), ['base', 'base', 'base', 'patch', 'patch', 'patch', 'patch', 'patch']);
    const size = statSync(b).size;
    assert.equal(r.archiveBytes, size);
    assert.ok(size * 100 < archiveBytes(2), `the bundle (${size} B) is under 1% of the five docker save archives (${archiveBytes(2)} B)`);
    const dest = join(tmp, 'apply-v1-v2');
    cpSync(s1.dir, dest, { recursive: true });
    const receipt = join(tmp, 'receipt-v2.json');
    const a = json(ok(['apply', b, '-o', `oci:${dest}`, '--receipt', receipt, '--json']));
    assert.equal(a.receipt.images, 10);
    const ids = imageIds(`oci:${dest}`);
    for (const v of [1, 2] as const) for (const app of APPS) assert.ok(ids.has(rel.get(`${app}:${v}`)!.imageId), `${app}:${v} in the layout`);
    ok(['verify', `oci:${dest}`, '-q']);
    // The receipt is what the site holds now, in the form --site reads: a bundle v2 -> v3 made from it applies.
    const b3 = join(tmp, 'r3-from-receipt.bundle');
    ok(['bundle', ...archivesOf(rel, 3), '--site', receipt, ...bases(2), '-o', b3, '-q']);
    ok(['apply', b3, '-o', `oci:${dest}`, '-q']);
    for (const app of APPS) assert.ok(imageIds(`oci:${dest}`).has(rel.get(`${app}:3`)!.imageId));
  });

  it('one bundle v3 for sites at v1 or v2: the site that skipped v2 gets v3 from it', () => {
    const b = join(tmp, 'r3.bundle');
    const r = json(ok(['bundle', ...archivesOf(rel, 3), '--site', s1.have, '--site', s2.have, ...bases(1, 2), '-o', b, '--json']));
    assert.deepEqual(r.sites.map((s: { name: string }) => s.name), [s1.have, s2.have]);
    // Runtime a changed in v3 (a security update): patched against the runtime both sites hold.
    const patchedRuntime = r.layers.find((l: { diffId: string; how: string }) => l.diffId === rel.get('alpha:3')!.diffIds[1]);
    assert.equal(patchedRuntime.how, 'patch');
    assert.ok(patchedRuntime.shipped < 64 << 10, `runtime a's update costs ${patchedRuntime.shipped} B`);
    // Every patched layer has a patch each site can use: against base layers that site holds. The app layers, which
    // no base both sites hold resembles, carry one patch per site release, far smaller than the layer.
    const held = [1, 2].map((v) => new Set(APPS.flatMap((a) => rel.get(`${a}:${v}`)!.diffIds)));
    const index = patchIndex(b);
    for (const l of index.layers.filter((x: { how: string }) => x.how === 'patch')) {
      const options = [l.patch, ...(l.alternatives ?? [])];
      for (const h of held) assert.ok(options.some((o: { bases: string[] }) => o.bases.every((d) => h.has(d))), `layer ${l.diffId}: a patch for each site`);
    }
    const app = index.layers.find((x: { diffId: string }) => x.diffId === rel.get('alpha:3')!.diffIds[2]);
    assert.equal(app.alternatives?.length, 1, 'alpha:3\'s app layer: a patch for v1 sites and one for v2 sites');
    assert.ok(app.patch.size + app.alternatives[0].size < 16 << 10, `both patches together: ${app.patch.size + app.alternatives[0].size} B`);
    assert.ok(r.archiveBytes < 128 << 10, `the whole v3 bundle for both sites: ${r.archiveBytes} B`);
    for (const s of [s1, s2]) {
      const dest = `${s.dir}-then-v3`;
      cpSync(s.dir, dest, { recursive: true });
      ok(['apply', b, '-o', `oci:${dest}`, '-q']);
      const ids = imageIds(`oci:${dest}`);
      for (const app of APPS) assert.ok(ids.has(rel.get(`${app}:3`)!.imageId), `${app}:3 on ${s.dir}`);
      ok(['verify', `oci:${dest}`, '-q']);
    }
    const text = ok(['inspect', b]).stdout;
    assert.match(text, /a bundle for 2 site states/);
  });

  it('a site that holds less than the bundle needs: one line naming the layer, the layout unchanged', () => {
    const b = join(tmp, 'r2-again.bundle');
    ok(['bundle', ...archivesOf(rel, 2), '--site', s1.have, ...bases(1), '-o', b, '-q']);
    const empty = join(tmp, 'other-site');
    ok(['copy', rel.get('delta:1')!.archive, `oci:${empty}:only-delta`, '-q']);
    const before = readFileSync(join(empty, 'index.json'));
    const r = stowage(['apply', b, '-o', `oci:${empty}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /the base does not hold (layer|layer DiffID)/);
    assert.deepEqual(readFileSync(join(empty, 'index.json')), before);
  });

  it('usage: no site, no sources, parts to standard output', () => {
    assert.match(oneLineError(stowage(['bundle', archivesOf(rel, 2)[0]!, '-o', join(tmp, 'x')])), /needs --site/);
    assert.match(oneLineError(stowage(['bundle', '--site', s1.have, '-o', join(tmp, 'x')])), /needs the release's images/);
    assert.match(oneLineError(stowage(['bundle', archivesOf(rel, 2)[0]!, '--site', s1.have, '-o', '-', '--part-size', '1MB'])), /numbered files/);
  });
});

describe('bundle into a site registry', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry();
    for (const app of APPS) ok(['copy', rel.get(`${app}:1`)!.archive, `docker://${reg.addr}/stowage-release/${app}:1`, '-q']);
  });
  after(() => reg?.stop());

  it('lands each image under its own name in docker://SITE/, reads the bases there, uploads nothing twice', async () => {
    const have = join(tmp, 'reg.have.json');
    ok(['have', ...APPS.map((a) => `docker://${reg.addr}/stowage-release/${a}`), '-o', have, '-q']);
    const b = join(tmp, 'reg-r2.bundle');
    ok(['bundle', ...archivesOf(rel, 2), '--site', have, ...bases(1), '-o', b, '-q']);
    const uploads = reg.blobUploads();
    const receipt = join(tmp, 'reg-receipt.json');
    const r = json(ok(['apply', b, '-o', `docker://${reg.addr}/`, '--receipt', receipt, '--json']));
    assert.deepEqual(r.landed, APPS.map((a) => `docker://${reg.addr}/stowage-release/${a}:2`));
    // Each tag's manifest, asked of the registry over HTTP, names the release's config (its image ID).
    for (const app of APPS) {
      const res = await fetch(`http://${reg.addr}/v2/stowage-release/${app}/manifests/2`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
      assert.equal(res.status, 200);
      const m = await res.json() as { config: { digest: string } };
      assert.equal(m.config.digest, rel.get(`${app}:2`)!.imageId);
    }
    // Uploaded: the five rebuilt app layers and five configs; the root and runtimes were there already.
    const first = reg.blobUploads() - uploads;
    assert.equal(first, 10, `blob uploads ${first}`);
    const rec = JSON.parse(readFileSync(receipt, 'utf8'));
    assert.equal(rec.images.length, 10, 'the receipt lists both tags of each repository');
    // Applying again (a re-run after an interruption) finds every blob there: nothing is uploaded twice.
    ok(['apply', b, '-o', `docker://${reg.addr}/`, '-q']);
    assert.equal(reg.blobUploads() - uploads, first);
    ok(['verify', `docker://${reg.addr}/stowage-release/echo:2`, '-q']);
  });
});

describe('an apply into a registry killed midway, then run again', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry();
    for (const app of APPS) ok(['copy', rel.get(`${app}:1`)!.archive, `docker://${reg.addr}/stowage-release/${app}:1`, '-q']);
  });
  after(() => reg?.stop());

  it('delivers every image, and no blob is uploaded twice', async () => {
    const have = join(tmp, 'kill.have.json');
    ok(['have', ...APPS.map((a) => `docker://${reg.addr}/stowage-release/${a}`), '-o', have, '-q']);
    const b = join(tmp, 'kill-r2.bundle');
    ok(['bundle', ...archivesOf(rel, 2), '--site', have, ...bases(1), '-o', b, '-q']);
    const manifestPuts = () => reg.log().split('\n').filter((l) => /"PUT \/v2\/[^"]*\/manifests\/2 HTTP\/[^"]*" 201 /.test(l)).length;
    const child = spawn(process.execPath, [CLI, 'apply', b, '-o', `docker://${reg.addr}/`, '-q'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Killed (as a power cut would) once the first image has landed, the others not yet.
    while (manifestPuts() < 1 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const landedFirst = manifestPuts();
    assert.ok(landedFirst >= 1 && landedFirst < APPS.length, `killed after ${landedFirst} of ${APPS.length} images`);
    const r = json(ok(['apply', b, '-o', `docker://${reg.addr}/`, '--json']));
    assert.equal(r.alreadyThere.length, landedFirst, 'the images the first run delivered are not written again');
    for (const app of APPS) {
      const res = await fetch(`http://${reg.addr}/v2/stowage-release/${app}/manifests/2`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(((await res.json()) as { config: { digest: string } }).config.digest, rel.get(`${app}:2`)!.imageId);
    }
    // Every completed upload, by repository and digest, from the registry's own log: none twice.
    const uploads = reg.log().split('\n').map((l) => /"PUT \/v2\/(.+?)\/blobs\/uploads\/[^"]*digest=(sha256(?:%3A|:)[0-9a-f]{64})[^"]*" 201 /.exec(l)).filter((m) => m !== null).map((m) => `${m[1]} ${m[2]!.replace('%3A', ':')}`);
    const v2Uploads = uploads.filter((u) => !APPS.some((a) => rel.get(`${a}:1`)!.imageId === u.split(' ')[1]));
    assert.equal(new Set(v2Uploads).size, v2Uploads.length, `an upload repeated: ${v2Uploads.join(', ')}`);
  });
});
