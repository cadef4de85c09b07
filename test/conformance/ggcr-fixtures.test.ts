/**
 * An optional extra conformance suite: every archive and layout of go-containerregistry's test data is read, or
 * refused, as it should be (their expectations are in ../shared/fixtures/ggcr/README.md). The data is not in this
 * repository; the suite skips when ../shared (or $STOWAGE_FIXTURES) is absent. Everything it checks that is not
 * about ggcr's files themselves is also checked on the project's own fixtures (scripts/fixtures/generate.mjs:
 * test/conformance/generated-fixtures.test.ts, test/layers/layers-fixtures.test.ts, test/fs/export-crafted.test.ts)
 * and on real saves of the engines CI starts (test/conformance/engine-saves.test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { listTar } from '../fs/fs-helpers.js';
import { FIXTURES, FIXTURES_SKIP, haveFixtures, scratch } from '../helpers/paths.js';

const skip = !haveFixtures() && FIXTURES_SKIP;
const f = (name: string) => join(FIXTURES, name);

const READABLE = [
  'hello-world-v25.tar', 'overwritten_file.tar', 'source_image.tar', 'test_bundle.tar', 'test_image_1.tar',
  'test_image_2.tar', 'test_link.tar', 'test_load_manifest.tar', 'whiteout_dir.tar', 'whiteout_image.tar',
  'oci-layouts/test_index', 'oci-layouts/test_index_one_image',
];

describe('go-containerregistry fixtures (optional extra conformance suite)', { skip }, () => {
  for (const name of READABLE) {
    it(`reads and verifies ${name}`, () => {
      const r = json(stowage(['inspect', '--json', f(name)]));
      assert.ok(r.images.length >= 1);
      const v = stowage(['verify', '--json', f(name)]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.equal(JSON.parse(v.stdout).ok, true);
    });
  }

  it('test_index_media_type: a Helm chart artifact is listed as such, not as an image, and its blobs verified', () => {
    const r = json(stowage(['inspect', '--json', f('oci-layouts/test_index_media_type')]));
    assert.equal(r.images.length, 0);
    assert.match(r.warnings.join(), /artifact \(config application\/vnd\.cncf\.helm\.config\.v1\+json\)/);
    const v = json(stowage(['verify', '--json', f('oci-layouts/test_index_media_type')]));
    assert.equal(v.ok, true);
    assert.equal(v.bytesHashed, 3 + 167);
  });

  it('hello-world-v25.tar: a Docker 25 save, image ID = the config blob, its unlisted manifest found', () => {
    const r = json(stowage(['inspect', '--json', f('hello-world-v25.tar')]));
    assert.match(r.flavor, /Docker 25\+/);
    assert.equal(r.images[0].imageId, 'sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44');
    const m = execFileSync('sh', ['-c', `tar -xOf "$0" blobs/sha256/411caf340c828657e915a83ed561a79d2b8150dabad4dc079d881cbfe6f86afe | sha256sum`, f('hello-world-v25.tar')]).toString();
    assert.equal(r.images[0].manifest.digest, `sha256:${m.slice(0, 64)}`);
    assert.equal(r.images[0].platform, 'linux/arm64');
  });

  it('test_link.tar: a layer stored as a symlink to another image\'s layer.tar is followed', () => {
    const r = json(stowage(['inspect', '--json', f('test_link.tar')]));
    const linked = r.images[1].layers[0];
    assert.match(linked.linkedTo, /^6e77476643c3155b1e9ae07dd5a4c8288bdb6590c131c222b7a3f277dec1e266\/layer\.tar$/);
    assert.equal(linked.diffId, r.images[0].layers[0].diffId);
    // These names were written by a real dockerd: moby's rule must give every one of them.
    for (const img of r.images) for (const l of img.layers) assert.equal(l.v1.matchesMoby, true);
  });

  it('test_bundle.tar: several images and tags, chosen by NAME:TAG and by @N', () => {
    const all = json(stowage(['inspect', '--json', f('test_bundle.tar')]));
    assert.equal(all.images.length, 2);
    const tag = all.images[1].tags[0];
    const one = json(stowage(['inspect', '--json', `docker-archive:${f('test_bundle.tar')}:${tag}`]));
    assert.deepEqual(one.images.map((i: any) => i.imageId), [all.images[1].imageId]);
    const at = json(stowage(['inspect', '--json', `${f('test_bundle.tar')}:@0`]));
    assert.deepEqual(at.images.map((i: any) => i.imageId), [all.images[0].imageId]);
    const none = stowage(['inspect', `docker-archive:${f('test_bundle.tar')}:nope:1`]);
    assert.equal(none.status, 1);
    assert.match(oneLineError(none), /no image tagged nope:1 \(it has: /);
  });

  it('OCI layout with a nested index: every image, and --platform filtering', () => {
    const r = json(stowage(['inspect', '--json', f('oci-layouts/test_index')]));
    assert.ok(r.images.length >= 3);
    const amd = json(stowage(['inspect', '--json', '--platform', 'linux/amd64', `oci:${f('oci-layouts/test_index')}`]));
    assert.ok(amd.images.every((i: any) => i.platform === 'linux/amd64'));
    const bad = stowage(['inspect', '--platform', 'plan9/mips', f('oci-layouts/test_index')]);
    assert.equal(bad.status, 1);
    assert.match(oneLineError(bad), /no image for platform plan9\/mips/);
  });

  it('source_image_with_empty_layer_history.tar: its config was edited without renaming, and verify says so', () => {
    const v = stowage(['verify', f('source_image_with_empty_layer_history.tar')]);
    assert.equal(v.status, 1);
    assert.match(v.stdout, /config 6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e\.json hashes to sha256:05b5ec12/);
  });

  it('no_manifest.tar and null_manifest.tar are refused clearly', () => {
    const a = stowage(['inspect', f('no_manifest.tar')]);
    assert.equal(a.status, 1);
    assert.match(oneLineError(a), /no manifest\.json/);
    const b = stowage(['inspect', f('null_manifest.tar')]);
    assert.equal(b.status, 1);
    assert.match(oneLineError(b), /manifest\.json: is null/);
    const c = stowage(['verify', f('content.tar')]);
    assert.equal(c.status, 1);
    assert.match(oneLineError(c), /neither manifest\.json nor index\.json/);
  });

  it('reads the same from standard input, in one pass', async () => {
    for (const name of ['test_link.tar', 'hello-world-v25.tar', 'whiteout_dir.tar']) {
      const fromFile = json(stowage(['inspect', '--json', f(name)]));
      const fromPipe = JSON.parse((await stowagePiped(['inspect', '--json', '-'], f(name))).stdout);
      assert.deepEqual(fromPipe.images.map((i: any) => [i.imageId, i.layers.map((l: any) => [l.diffId, l.chainId])]),
        fromFile.images.map((i: any) => [i.imageId, i.layers.map((l: any) => [l.diffId, l.chainId])]));
      const v = await stowagePiped(['verify', '-'], f(name));
      assert.equal(v.status, 0, v.stdout + v.stderr);
    }
  });

  it('stowage layers reads hello-world-v25.tar (dive cannot) and whiteout_image.tar by hand\'s figures', () => {
    const v25 = json(stowage(['layers', f('hello-world-v25.tar'), '--json']));
    assert.deepEqual(v25.layers[0].topFiles.map((x: any) => x.path), ['/hello']);
    assert.equal(v25.efficiency, 1);
    const wi = json(stowage(['layers', f('whiteout_image.tar'), '--json']));
    assert.deepEqual(wi.layers.map((l: any) => l.size), [8, 0, 0]);
    assert.deepEqual(wi.reclaimable, { overwritten: 0, deleted: 4, duplicate: 0, total: 4 });
  });

  it('export: whiteout_image, whiteout_dir and overwritten_file give what ggcr\'s mutate tests document', async () => {
    const tmp = scratch('stowage-ggcr-export-');
    const exported = async (name: string) => {
      const out = join(tmp, name);
      assert.equal(stowage(['export', f(name), '-o', out]).status, 0);
      return listTar(out);
    };
    assert.deepEqual([...(await exported('whiteout_image.tar')).keys()], ['bar.txt']);
    assert.deepEqual([...(await exported('whiteout_dir.tar')).keys()].sort(), ['a', 'a/baz', 'b', 'b/bar']);
    const of = await exported('overwritten_file.tar');
    assert.equal(of.get('foo.txt')!.type, 'symlink');
    assert.equal(of.get('foo.txt')!.link, 'bar.txt');
  });

  it('test_link.tar: the v1 directory names a real dockerd wrote come out of moby\'s rule', () => {
    const r = json(stowage(['inspect', '--json', f('test_link.tar')]));
    assert.equal(r.images.flatMap((i: any) => i.layers).length, 3);
    for (const img of r.images) for (const l of img.layers) assert.equal(l.v1.matchesMoby, true);
  });
});
