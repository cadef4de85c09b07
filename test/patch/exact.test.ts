/**
 * Exact images across a patch delta (issue 20, items 2 and 4): an app whose layers were gzip'd by Go's real
 * compress/gzip (Go 1.19, at level 6 as moby, containerd and BuildKit push, and at level 1 as crane does) and one
 * layer by an encoder stowage does not reproduce (Node's zlib at level 9), pushed v1 and v2 to the real CNCF
 * registry. `delta --patch` between them, then `apply` against the site's v1 in a second registry and into an OCI
 * layout: the manifest the site serves has upstream's digest (asked of the registry), every blob digest is
 * upstream's, `stowage verify` passes. A delta whose recipe or blob digest was altered writes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER_MANIFEST, buildImage, writeDockerArchive, writeOciLayout } from '../helpers/build-image.js';
import { files, layerOf, tarOf } from '../helpers/build-layer.js';
import { withIndex } from '../helpers/delta-edit.js';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, manifestAt, multiPlatformLayout, startRegistry, type Registry } from '../helpers/registry.js';
import { GO_SKIP, buildGzipper, goGzipped } from '../recipes/go-reference.js';

const tmp = scratch('stowage-exact-');
const p = (n: string) => join(tmp, n);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ACCEPT = `${DOCKER_MANIFEST}, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json`;

/** Text-like content (words from a small vocabulary), the same for the same seed: compressible, as real files are. */
function words(seed: string, n: number): string {
  const vocab = ['alpha', 'beta', 'gamma', 'delta', 'config', 'return', 'value', 'struct', 'import', 'export', 'the', 'of', 'layer', 'image', 'digest', 'func'];
  let h = createHash('sha256').update(seed).digest();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 32 === 0) h = createHash('sha256').update(h).digest();
    out.push(vocab[h[i % 32]! % vocab.length]!);
    if (i % 12 === 11) out.push(`${i}\n`);
  }
  return out.join(' ');
}

/** A layer's files at a version: `changed` files get new lines in v2. */
function layerFiles(dir: string, version: number, changed: number[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i < 8; i++) f[`${dir}/file-${i}.txt`] = words(`${dir}-${i}`, 6000) + (version > 1 && changed.includes(i) ? words(`${dir}-${i}-v${version}`, 300) : '');
  return f;
}

interface Upstream { manifest: Buffer; digest: string; blobs: Buffer[]; tars: Buffer[]; config: Buffer }

/**
 * An OCI layout holding one image with a Docker schema 2 manifest (as `docker push` makes): layers gzip'd by Go at
 * level 6 (base, app), Go at level 1 (lib), Node's zlib at level 9 (data).
 */
async function upstream(dir: string, version: number, gz: string): Promise<Upstream> {
  const tars = [
    await tarOf(files(layerFiles('base', 1, []))),
    await tarOf(files(layerFiles('app', version, [1, 5]))),
    await tarOf(files(layerFiles('lib', version, [2]))),
    await tarOf(files(layerFiles('data', version, [0, 3]))),
  ];
  const layers = await Promise.all([
    layerOf(tars[0]!, { stored: goGzipped(gz, tars[0]!, 6) }), layerOf(tars[1]!, { stored: goGzipped(gz, tars[1]!, 6) }),
    layerOf(tars[2]!, { stored: goGzipped(gz, tars[2]!, 1) }), layerOf(tars[3]!, { gzip: 9 }),
  ]);
  const img = buildImage(layers, { config: { config: { Cmd: ['/app'] } }, history: false });
  const layout = writeOciLayout(dir, [{ image: img, ref: String(version), manifest: { kind: 'docker', indent: 3 } }]);
  return { manifest: layout.manifests[0]![0]!.bytes, digest: layout.digests[0]!, blobs: layers.map((l) => l.blob), tars, config: img.config };
}

/** What the registry answers for a manifest: its Docker-Content-Digest and bytes, or the status. */
const served = (reg: Registry, repo: string, ref: string) => manifestAt(reg, repo, ref, ACCEPT);

async function blobStatus(reg: Registry, repo: string, digest: string): Promise<number> {
  return (await fetch(`http://${reg.addr}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status;
}

describe('exact images through a patch delta (Go-gzip\'d registry layers)', { skip: REGISTRY_SKIP || GO_SKIP }, () => {
  let up: Registry;
  let site: Registry;
  let v1: Upstream;
  let v2: Upstream;
  let report: any;
  before(async () => {
    const gz = buildGzipper();
    v1 = await upstream(p('up-1'), 1, gz);
    v2 = await upstream(p('up-2'), 2, gz);
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    for (const [v, reg] of [[1, up], [2, up], [1, site]] as const) {
      const r = stowage(['copy', `oci:${p(`up-${v}`)}:${v}`, `docker://${reg.addr}/app:${v}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    const r = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });
  after(() => { up?.stop(); site?.stop(); });

  it('upstream serves the manifest as made (the test\'s premise)', async () => {
    assert.equal((await served(up, 'app', '2')).digest, v2.digest);
    assert.equal((await served(site, 'app', '1')).digest, v1.digest);
  });

  it('delta --patch finds the recipes, ships the unreproducible layer whole, and says the image arrives exact', () => {
    assert.equal(report.images[0].exact, true, report.images[0].notExact);
    assert.equal(report.images[0].manifestDigest, v2.digest);
    const [base, app, lib, data] = report.layers;
    assert.equal(base.how, 'base');
    assert.equal(app.how, 'patch');
    assert.equal(app.recipe, 'go-flate 1.8-1.26 level 6');
    assert.equal(app.blobDigest, sha(v2.blobs[1]!));
    assert.equal(lib.how, 'patch');
    assert.equal(lib.recipe, 'go-flate 1.8-1.26 level 1');
    assert.equal(lib.blobDigest, sha(v2.blobs[2]!));
    assert.equal(data.how, 'whole');
    assert.match(data.noRecipe.reason, /gzip header no reproduced encoder writes|no candidate reproduces it/);
    assert.ok(data.noRecipe.patchBytes < v2.blobs[3]!.length, 'the zlib layer would have patched smaller');
    assert.equal(data.shipped, v2.blobs[3]!.length);
    // The delta holds the patches, the zlib blob, the config and the manifest: far less than the layers.
    assert.ok(report.archiveBytes < (v2.blobs[1]!.length + v2.blobs[2]!.length) / 4 + v2.blobs[3]!.length + 16384, `${report.archiveBytes} bytes`);
  });

  it('apply into the site registry: upstream\'s manifest digest and bytes, its blob digests, verify passes', async () => {
    const uploadsBefore = site.blobUploads('app');
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.images[0].exact, true, a.images[0].notExact);
    assert.equal(a.images[0].recompressed, 2);
    const got = await served(site, 'app', '2');
    assert.equal(got.digest, v2.digest);
    assert.ok(got.bytes.equals(v2.manifest));
    for (const b of v2.blobs) assert.equal(await blobStatus(site, 'app', sha(b)), 200);
    const byDigest = await served(site, 'app', v2.digest);
    assert.equal(byDigest.status, 200);
    const v = stowage(['verify', `docker://${site.addr}/app:2`]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
    // Only what the site lacked went up (two recompressed layers, the whole one, the config): the base layer was
    // there already (the registry's own log says so).
    assert.equal(site.blobUploads('app') - uploadsBefore, 4);
  });

  it('apply into an OCI layout: the manifest blob as upstream\'s, named in index.json, the blobs upstream\'s bytes', () => {
    const out = p('site-layout');
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `oci:${out}:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, v2.digest);
    assert.equal(index.manifests[0].mediaType, DOCKER_MANIFEST);
    assert.ok(readFileSync(join(out, 'blobs/sha256', v2.digest.slice(7))).equals(v2.manifest));
    for (const b of v2.blobs) assert.ok(readFileSync(join(out, 'blobs/sha256', sha(b).slice(7))).equals(b));
    const v = stowage(['verify', `oci:${out}`]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
  });

  it('a docker archive makes its own manifest: same DiffIDs and image ID, as before', () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', p('app-2.tar'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.images[0].exact, false);
    const inspected = json(stowage(['inspect', p('app-2.tar'), '--json']));
    const config = JSON.parse(readFileSync(join(p('up-2'), 'blobs/sha256', JSON.parse(v2.manifest.toString()).config.digest.slice(7)), 'utf8'));
    assert.equal(inspected.images[0].imageId, JSON.parse(v2.manifest.toString()).config.digest);
    assert.deepEqual(inspected.images[0].layers.map((l: { diffId: string }) => l.diffId), config.rootfs.diff_ids);
  });

  it('a base in a docker save archive: exact when it holds upstream\'s blobs, else a manifest of its own, saying why', async () => {
    // stowage copy keeps the registry's gzip blobs in the archive: the base layer is upstream's blob.
    assert.equal(stowage(['copy', `docker://${site.addr}/app:1`, p('site-1.tar')]).status, 0);
    const kept = json(stowage(['apply', p('d.patch'), '--base', p('site-1.tar'), '-o', `oci:${p('from-copy')}:2`, '--json']));
    assert.equal(kept.images[0].exact, true, kept.images[0].notExact);
    // A docker save of v1 with plain tar layers (as an engine saves): its base layer's blob is the tar, not upstream's gzip.
    const plain = buildImage(await Promise.all(v1.tars.map((t) => layerOf(t))), { configBytes: v1.config, tags: ['app:1'] });
    await writeDockerArchive(p('plain-1.tar'), [plain], { manifestFirst: true });
    const out = p('from-archive');
    const r = stowage(['apply', p('d.patch'), '--base', p('plain-1.tar'), '-o', `oci:${out}:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.images[0].exact, false);
    assert.match(a.images[0].notExact, /the base holds layer 1 as sha256:[0-9a-f]{64}, and upstream's manifest names sha256:/);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    assert.notEqual(index.manifests[0].digest, v2.digest);
    const v = stowage(['verify', `oci:${out}`]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
  });

  it('--new-digests patches every layer: rebuilt tars, same DiffIDs and image ID, a new manifest digest (said in the output)', async () => {
    const r = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '--new-digests', '-o', p('new.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.newDigests, true);
    assert.equal(d.images[0].exact, false);
    assert.match(d.images[0].notExact, /--new-digests/);
    assert.equal(d.layers[3].how, 'patch');
    assert.equal(d.layers[3].arrives, 'new-digest');
    // The layers with recipes carry the very same patch: a recipe costs the index a few bytes, nothing more.
    assert.equal(d.layers[1].shipped, report.layers[1].shipped);
    assert.equal(d.layers[2].shipped, report.layers[2].shipped);
    assert.ok(d.archiveBytes < report.archiveBytes);
    const text = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '--new-digests', '-o', p('new2.patch')]);
    assert.match(text.stderr, /arrives with new digests/);
    const a = stowage(['apply', p('new.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:new`, '--json']);
    assert.equal(a.status, 0, a.stderr);
    const got = await served(site, 'app', 'new');
    assert.equal(got.status, 200);
    assert.notEqual(got.digest, v2.digest);
    assert.equal(JSON.parse(got.bytes.toString()).config.digest, JSON.parse(v2.manifest.toString()).config.digest);
  });

  it('a multi-platform image: its index arrives byte for byte, with upstream\'s index digest', async () => {
    const platforms = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];
    const m1 = await multiPlatformLayout(p('multi-1'), platforms);
    const m2 = await multiPlatformLayout(p('multi-2'), platforms);
    for (const [dir, reg, tag] of [['multi-1', up, '1'], ['multi-2', up, '2'], ['multi-1', site, '1']] as const) {
      const r = stowage(['push', '-q', '--all-platforms', `oci:${p(dir)}:multi`, `${reg.addr}/multi:${tag}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    assert.equal((await served(up, 'multi', '2')).digest, m2.indexDigest);
    const d = json(stowage(['delta', `docker://${up.addr}/multi:2`, '--base', `docker://${up.addr}/multi:1`, '--patch', '-o', p('multi.patch'), '--json']));
    assert.equal(d.index.exact, true, d.index.notExact);
    assert.equal(d.index.digest, m2.indexDigest);
    const a = json(stowage(['apply', p('multi.patch'), '--base', `docker://${site.addr}/multi:1`, '-o', `docker://${site.addr}/multi:2`, '--json']));
    assert.equal(a.index.exact, true, a.index.notExact);
    const res = await fetch(`http://${site.addr}/v2/multi/manifests/2`, { headers: { Accept: 'application/vnd.oci.image.index.v1+json' } });
    assert.equal(res.headers.get('docker-content-digest'), m2.indexDigest);
    assert.notEqual(m1.indexDigest, m2.indexDigest);
  });

  const tampered: [string, (index: any) => void, RegExp][] = [
    ['an unknown encoder', (i) => { i.layers[1].blob.recipe.encoder = 'lzw'; }, /layers\[1\]\.blob\.recipe: unknown recipe encoder "lzw"/],
    ['an absurd level', (i) => { i.layers[2].blob.recipe.level = 99; }, /layers\[2\]\.blob\.recipe: go-flate recipe level 99 is out of range/],
    ['a recipe that does not reproduce the blob', (i) => { i.layers[1].blob.recipe.level = 5; }, /does not reproduce the blob/],
    ['an altered blob digest', (i) => { i.layers[1].blob.digest = sha(Buffer.from('other')); }, /the manifest sha256:[0-9a-f]{64} of .* names layer 2 .* but the delta rebuilds it as/],
    ['a blob on a base layer', (i) => { i.layers[0].blob = i.layers[1].blob; }, /layers\[0\]\.blob does not belong on a layer whose how is base/],
    ['a manifest of another media type', (i) => { i.images[0].manifest.mediaType = 'text/plain'; }, /images\[0\]\.manifest\.mediaType must be an image manifest type/],
    ['a blob size out of range', (i) => { i.layers[2].blob.size = -1; }, /layers\[2\]\.blob\.size is -1, outside 18\.\./],
  ];
  for (const [name, edit, message] of tampered) {
    it(`${name} in the index: one line, exit 1, nothing at the tag`, async () => {
      const bad = await withIndex(p('d.patch'), p(`bad-${name.replace(/\W+/g, '-')}.patch`), edit);
      const tag = `bad-${name.replace(/\W+/g, '-')}`;
      // A repository that lacks v2's blobs (where app:2 is, a blob already there is not made again).
      const r = stowage(['apply', bad, '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/${tag}:2`]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(oneLineError(r), message);
      assert.doesNotMatch(r.stderr, /attempts|UND_ERR/);
      assert.equal((await served(site, tag, '2')).status, 404);
      const o = stowage(['apply', bad, '--base', `docker://${site.addr}/app:1`, '-o', `oci:${p(tag)}:2`]);
      assert.equal(o.status, 1, o.stderr);
      assert.match(oneLineError(o), message);
      assert.equal(existsSync(p(tag)), false);
    });
  }
});
