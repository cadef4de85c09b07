/**
 * Notation signatures travel (issue 20 item 3): an app pushed v1 and v2 to the real CNCF registry 2.8 as made, v2
 * signed by the real notation 1.3 offline with a test key made here. The registry has no referrers API, so notation
 * stores the signature under the referrers tag scheme (`sha256-<hex>`, an index listing it). `delta --patch` carries
 * them; `apply` into a site registry holding v1 pushes them beside v2 and `notation verify` passes there offline,
 * with nothing but the delta crossing; into an OCI layout they are kept and `notation verify --oci-layout` passes; a
 * site's own referrers index is kept when upstream's arrives (the two merged); `copy docker:// docker://` carries them
 * too. A delta whose signature envelope was altered fails in one line and tags nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { DOCKER_MANIFEST, NOTATION_SIGNATURE, OCI_INDEX, flipBlob, forgeDelta, forky, forkySkip, manifestAt, notationSetup, refusedAtSite, sha, tags, upstreamApp } from './signing.js';

const tmp = scratch('stowage-notation-');
const p = (n: string) => join(tmp, n);
const notation = (args: string[]) => forky(p('home'), 'notation', args, ['NOTATION_EXPERIMENTAL=1']);

describe('notation signatures travel through a patch delta (offline)', { skip: REGISTRY_SKIP || forkySkip('notation') }, () => {
  let up: Registry;
  let site: Registry;
  let v1: { digest: string };
  let v2: { digest: string };
  let report: any;
  let hex: string;
  before(async () => {
    v1 = await upstreamApp(p('up-1'), 1);
    v2 = await upstreamApp(p('up-2'), 2);
    hex = v2.digest.slice(7);
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    for (const [v, reg, repo] of [[1, up, 'app'], [2, up, 'app'], [1, site, 'app'], [1, site, 'own'], [2, site, 'own']] as const) {
      const r = stowage(['copy', `oci:${p(`up-${v}`)}:${v}`, `docker://${reg.addr}/${repo}:${v}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    notationSetup(p('home'), ['upstream.test', 'site.test']);
    const s = notation(['sign', '--insecure-registry', '--key', 'upstream.test', `${up.addr}/app@${v2.digest}`]);
    assert.equal(s.status, 0, s.out);
    const r = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });
  after(() => { up?.stop(); site?.stop(); });

  it('upstream holds the signature under the referrers tag scheme, and notation verifies there (the premise)', async () => {
    assert.ok((await tags(up, 'app')).includes(`sha256-${hex}`));
    const index = JSON.parse((await manifestAt(up, 'app', `sha256-${hex}`)).bytes.toString('utf8'));
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].artifactType, NOTATION_SIGNATURE);
    const v = notation(['verify', '--insecure-registry', `${up.addr}/app@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
  });

  it('delta --patch carries the referrers index and the signature it lists, and inspect lists them', () => {
    const img = report.images[0];
    assert.equal(img.exact, true, img.notExact);
    const refs = img.referrers as { tag?: string; digest: string; mediaType: string; blobs: number }[];
    assert.equal(refs.length, 2, JSON.stringify(refs));
    assert.ok(refs.some((r) => r.tag === `sha256-${hex}` && r.mediaType === OCI_INDEX && r.blobs === 0));
    assert.ok(refs.some((r) => !r.tag && r.blobs === 2), 'the signature manifest, with its config and envelope');
    const i = stowage(['inspect', p('d.patch'), '--json']);
    assert.equal(i.status, 0, i.stderr);
    assert.deepEqual(json(i).images[0].referrers.map((r: any) => r.digest).sort(), refs.map((r) => r.digest).sort());
  });

  it('a delta whose signature envelope was altered fails in one line and tags nothing', async () => {
    let envelope = '';
    await forgeDelta(p('d.patch'), p('bad.patch'), (index, entries) => {
      envelope = index.images[0].referrers.find((r: any) => !r.tag).blobs.find((b: any) => b.mediaType === 'application/jose+json').digest;
      flipBlob(entries, envelope, 5);
    });
    await refusedAtSite(p('bad.patch'), site, 'app', new RegExp(`bad\\.patch: blobs/sha256/${envelope.slice(7)} does not hash to its name`));
  });

  it('a delta whose signature was re-made to refer to another image (digests made to match) is refused, nothing written', async () => {
    // A forger re-points notation's signature manifest at v1, re-hashes it and renames its blob, and drops the
    // referrers index: every name in the delta holds, but the referrer no longer refers to the image it travels with.
    let ref: any;
    await forgeDelta(p('d.patch'), p('repointed.patch'), (index, entries) => {
      ref = index.images[0].referrers.find((r: any) => !r.tag);
      const e = entries.find((x) => x.name === `blobs/sha256/${ref.digest.slice(7)}`)!;
      const doc = JSON.parse(e.data.toString('utf8'));
      doc.subject.digest = v1.digest;
      e.data = Buffer.from(JSON.stringify(doc));
      ref.digest = sha(e.data);
      ref.size = e.data.length;
      e.name = `blobs/sha256/${ref.digest.slice(7)}`;
      index.images[0].referrers = [ref];
      const dropped = report.images[0].referrers.find((r: any) => r.tag).digest;
      return entries.filter((x) => x.name !== `blobs/sha256/${dropped.slice(7)}`);
    });
    await refusedAtSite(p('repointed.patch'), site, 'app', new RegExp(`repointed\\.patch: images\\[0\\]\\.referrers\\[0\\] \\(${ref.digest}\\): refers to ${v1.digest}, not to ${v2.digest}`));
  });

  it('apply into the site registry pushes them beside v2, and notation verify passes there offline', async () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const img = json(r).images[0];
    assert.equal(img.manifestDigest, v2.digest);
    assert.equal((await manifestAt(site, 'app', '2', DOCKER_MANIFEST)).digest, v2.digest);
    assert.equal(img.referrers.pushed.length, 2, JSON.stringify(img.referrers));
    // Each referrer's manifest is served with its own digest: byte for byte.
    for (const ref of report.images[0].referrers) {
      const got = await manifestAt(site, 'app', ref.digest, ref.mediaType);
      assert.equal(got.status, 200);
      assert.equal(sha(got.bytes), ref.digest);
    }
    let v = notation(['verify', '--insecure-registry', `${site.addr}/app@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /Successfully verified signature/);
    // Still refused: the unsigned v1.
    v = notation(['verify', '--insecure-registry', `${site.addr}/app@${v1.digest}`]);
    assert.equal(v.status, 1, v.out);
    assert.match(v.out, /no signature is associated/);
  });

  it('a site that already signed v2 itself keeps its own signature: the two referrers indexes are merged', async () => {
    // The site's own v2 (in repository "own", landed without the delta) signed with the site's key.
    const s = notation(['sign', '--insecure-registry', '--key', 'site.test', `${site.addr}/own@${v2.digest}`]);
    assert.equal(s.status, 0, s.out);
    const before = JSON.parse((await manifestAt(site, 'own', `sha256-${hex}`)).bytes.toString('utf8'));
    assert.equal(before.manifests.length, 1);
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/own:1`, '-o', `docker://${site.addr}/own:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const merged = JSON.parse((await manifestAt(site, 'own', `sha256-${hex}`)).bytes.toString('utf8'));
    const upstreamSig = report.images[0].referrers.find((x: any) => !x.tag).digest;
    assert.deepEqual(merged.manifests.map((m: any) => m.digest).sort(), [before.manifests[0].digest, upstreamSig].sort());
    for (const m of merged.manifests) assert.equal(m.artifactType, NOTATION_SIGNATURE);
    // notation finds both: a trust policy of either certificate alone passes.
    const v = notation(['verify', '--insecure-registry', `${site.addr}/own@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
    const listed = notation(['list', '--insecure-registry', `${site.addr}/own@${v2.digest}`]);
    assert.equal(listed.status, 0, listed.out);
    for (const m of merged.manifests) assert.ok(listed.out.includes(m.digest), listed.out);
    // A second apply changes nothing: the index already lists every referrer the delta carries.
    const held = (await manifestAt(site, 'own', `sha256-${hex}`)).bytes;
    const again = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/own:1`, '-o', `docker://${site.addr}/own:2`, '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((await manifestAt(site, 'own', `sha256-${hex}`)).bytes, held);
  });

  it('a site whose referrers tag holds an image, not an index: one line, exit 1, the tag left as it was', async () => {
    // The site's repository "odd" has v2, and v1's manifest pushed under v2's referrers tag (not a referrers index).
    for (const [v, tag] of [[1, '1'], [2, '2'], [1, `sha256-${hex}`]] as const) {
      const c = stowage(['copy', `oci:${p(`up-${v}`)}:${v}`, `docker://${site.addr}/odd:${tag}`]);
      assert.equal(c.status, 0, c.stderr);
    }
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/odd:1`, '-o', `docker://${site.addr}/odd:2`]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(oneLineError(r), new RegExp(`odd:sha256-${hex}: the site holds an application/vnd.docker.distribution.manifest.v2\\+json manifest under the referrers tag, not a referrers index; left as it is`));
    assert.equal((await manifestAt(site, 'odd', `sha256-${hex}`, DOCKER_MANIFEST)).digest, v1.digest);
  });

  it('into an OCI layout the signature is kept beside v2, and notation verify --oci-layout passes offline', () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `oci:${p('layout')}:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const img = json(r).images[0];
    assert.equal(img.manifestDigest, v2.digest);
    assert.equal(img.referrers.kept.length, 2);
    const v = notation(['verify', '--oci-layout', '--scope', 'site.test/app', `${p('layout')}@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /Successfully verified signature/);
    const index = JSON.parse(readFileSync(p('layout/index.json'), 'utf8'));
    const sig = index.manifests.find((m: any) => m.artifactType === NOTATION_SIGNATURE);
    assert.ok(sig, `index.json lists the signature with its artifactType: ${JSON.stringify(index.manifests)}`);
  });

  it('copy docker://UP docker://OTHER keeps the manifest and carries the signature: notation verify passes there', async () => {
    const other = await startRegistry();
    try {
      const r = stowage(['copy', `docker://${up.addr}/app:2`, `docker://${other.addr}/mirror/app:2`, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const c = json(r);
      assert.equal(c.registry.digest, v2.digest);
      assert.equal(c.referrers.length, 2, JSON.stringify(c.referrers));
      const v = notation(['verify', '--insecure-registry', `${other.addr}/mirror/app@${v2.digest}`]);
      assert.equal(v.status, 0, v.out);
    } finally {
      other.stop();
    }
  });

});
