/**
 * Signatures of a multi-platform image (issue 20 item 3): the index digest signed by the real cosign 3.1 (its
 * default sigstore bundle referrer and the legacy `.sig` tag) and by the real notation 1.3, offline, in the real
 * CNCF registry (no referrers API: the referrers tag scheme). When the index travels exact (the patch index's `index`
 * field), its signatures travel with it: after `apply` into a site registry holding v1, `cosign verify` and `notation
 * verify` of the site's index pass; `copy docker:// docker://` of the index carries them too; into an OCI layout the
 * index is kept as upstream's and its signatures beside it (`notation verify --oci-layout`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, multiPlatformLayout, startRegistry, type Registry } from '../helpers/registry.js';
import { COSIGN_SIMPLESIGNING, NOTATION_SIGNATURE, OCI_INDEX, flipBlob, forgeDelta, forky, forkySkip, manifestAt, notationSetup, refusedAtSite, sha, tags } from './signing.js';

const tmp = scratch('stowage-sigs-index-');
const p = (n: string) => join(tmp, n);
const notation = (args: string[]) => forky(p('home'), 'notation', args);
const cosign = (args: string[]) => forky(p('home'), 'cosign', args, ['COSIGN_PASSWORD=']);
const signArgs = () => ['--key', p('cosign.key'), '--tlog-upload=false', '--use-signing-config=false', '-y', '--allow-http-registry', '--allow-insecure-registry'];
const verifyArgs = () => ['--key', p('cosign.pub'), '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry'];

describe('signatures of a multi-platform index travel with the index (cosign and notation, offline)', { skip: REGISTRY_SKIP || forkySkip('cosign') || forkySkip('notation') }, () => {
  let up: Registry;
  let site: Registry;
  let m2: { indexDigest: string };
  let report: any;
  let hex: string;
  before(async () => {
    const platforms = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];
    await multiPlatformLayout(p('multi-1'), platforms);
    m2 = await multiPlatformLayout(p('multi-2'), platforms);
    hex = m2.indexDigest.slice(7);
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    for (const [dir, reg, tag] of [['multi-1', up, '1'], ['multi-2', up, '2'], ['multi-1', site, '1']] as const) {
      const r = stowage(['push', '-q', '--all-platforms', `oci:${p(dir)}:multi`, `${reg.addr}/multi:${tag}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    let c = cosign(['generate-key-pair', '--output-key-prefix', p('cosign')]);
    assert.equal(c.status, 0, c.out);
    const ref = `${up.addr}/multi@${m2.indexDigest}`;
    c = cosign(['sign', ...signArgs(), '--new-bundle-format=false', ref]);
    assert.equal(c.status, 0, c.out);
    c = cosign(['sign', ...signArgs(), ref]);
    assert.equal(c.status, 0, c.out);
    notationSetup(p('home'), ['upstream.test']);
    c = notation(['sign', '--insecure-registry', ref]);
    assert.equal(c.status, 0, c.out);
    const r = stowage(['delta', `docker://${up.addr}/multi:2`, '--base', `docker://${up.addr}/multi:1`, '--patch', '-o', p('d.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });
  after(() => { up?.stop(); site?.stop(); });

  it('upstream: the index is signed three ways, each verifies there (the premise)', async () => {
    const t = await tags(up, 'multi');
    assert.ok(t.includes(`sha256-${hex}.sig`) && t.includes(`sha256-${hex}`), t.join(' '));
    const listed = JSON.parse((await manifestAt(up, 'multi', `sha256-${hex}`)).bytes.toString('utf8')).manifests;
    assert.equal(listed.length, 2, JSON.stringify(listed));
    assert.ok(listed.some((m: any) => m.artifactType === NOTATION_SIGNATURE));
    assert.equal(cosign(['verify', ...verifyArgs(), `${up.addr}/multi@${m2.indexDigest}`]).status, 0);
    assert.equal(notation(['verify', '--insecure-registry', `${up.addr}/multi@${m2.indexDigest}`]).status, 0);
  });

  it('delta --patch keeps the index exact and carries its signatures; inspect lists them', () => {
    assert.equal(report.index.exact, true, report.index.notExact);
    assert.equal(report.index.digest, m2.indexDigest);
    const refs = report.index.referrers as { tag?: string; digest: string; mediaType: string }[];
    // The .sig image, the referrers index, and the two manifests it lists (the bundle, the notation signature).
    assert.equal(refs.length, 4, JSON.stringify(refs));
    assert.ok(refs.some((r) => r.tag === `sha256-${hex}.sig`));
    assert.ok(refs.some((r) => r.tag === `sha256-${hex}` && r.mediaType === OCI_INDEX));
    // The platforms' manifests are not signed: nothing travels for them.
    for (const img of report.images) assert.equal(img.referrers, undefined);
    const i = stowage(['inspect', p('d.patch'), '--json']);
    assert.equal(i.status, 0, i.stderr);
    const described = json(i).index;
    assert.equal(described.digest, m2.indexDigest);
    assert.deepEqual(described.referrers.map((r: any) => r.digest).sort(), refs.map((r) => r.digest).sort());
  });

  it('a delta whose index signature was altered fails in one line and tags nothing', async () => {
    let layer = '';
    await forgeDelta(p('d.patch'), p('bad.patch'), (index, entries) => {
      const sig = index.index.referrers.find((r: any) => r.tag?.endsWith('.sig'));
      layer = sig.blobs.find((b: any) => b.mediaType === COSIGN_SIMPLESIGNING).digest;
      flipBlob(entries, layer);
    });
    await refusedAtSite(p('bad.patch'), site, 'multi', new RegExp(`bad\\.patch: blobs/sha256/${layer.slice(7)} does not hash to its name`));
  });

  it('an index referrer that would retag the image is refused in one line, nothing written', async () => {
    await forgeDelta(p('d.patch'), p('retag.patch'), (index) => { index.index.referrers.find((r: any) => r.tag?.endsWith('.sig')).tag = '1'; });
    await refusedAtSite(p('retag.patch'), site, 'multi', /retag\.patch.*index\.referrers\[\d+\]\.tag must be sha256-<hex>/);
  });

  it('apply into the site registry: the index with upstream\'s digest, its signatures beside it, cosign and notation verify', async () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/multi:1`, '-o', `docker://${site.addr}/multi:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const a = json(r);
    assert.equal(a.index.exact, true, a.index.notExact);
    assert.equal(a.index.referrers.pushed.length, 4, JSON.stringify(a.index.referrers));
    assert.equal((await manifestAt(site, 'multi', '2')).digest, m2.indexDigest);
    for (const ref of report.index.referrers) {
      const got = await manifestAt(site, 'multi', ref.digest, ref.mediaType);
      assert.equal(got.status, 200);
      assert.equal(sha(got.bytes), ref.digest);
    }
    let v = cosign(['verify', ...verifyArgs(), `${site.addr}/multi:2`]);
    assert.equal(v.status, 0, v.out);
    v = cosign(['verify', ...verifyArgs(), '--new-bundle-format=false', `${site.addr}/multi:2`]);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /cosign container image signature/);
    v = notation(['verify', '--insecure-registry', `${site.addr}/multi@${m2.indexDigest}`]);
    assert.equal(v.status, 0, v.out);
    // Still refused: the unsigned v1 index.
    const v1 = (await manifestAt(site, 'multi', '1')).digest!;
    assert.notEqual(cosign(['verify', ...verifyArgs(), `${site.addr}/multi@${v1}`]).status, 0);
    assert.notEqual(notation(['verify', '--insecure-registry', `${site.addr}/multi@${v1}`]).status, 0);
  });

  it('into an OCI layout the index is kept as upstream\'s, its signatures beside it: notation verify --oci-layout passes', () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/multi:1`, '-o', `oci:${p('layout')}`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const a = json(r);
    assert.equal(a.index.exact, true, a.index.notExact);
    assert.equal(a.index.digest, m2.indexDigest);
    assert.equal(a.index.referrers.kept.length, 4);
    const top = JSON.parse(readFileSync(p('layout/index.json'), 'utf8'));
    // The tag names upstream's index (it took the place of the platforms' own entries).
    assert.deepEqual(top.manifests.filter((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === '2').map((m: any) => m.digest), [m2.indexDigest], JSON.stringify(top.manifests));
    const v = forky(p('home'), 'notation', ['verify', '--oci-layout', '--scope', 'site.test/multi', `${p('layout')}@${m2.indexDigest}`], ['NOTATION_EXPERIMENTAL=1']);
    assert.equal(v.status, 0, v.out);
    // The text report says so too.
    const t = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/multi:1`, '-o', `oci:${p('layout-text')}`]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(`${t.stdout}${t.stderr}`, /4 signatures or referrers of the index kept in the layout's index.json|signatures and referrers of the index kept in the layout's index.json/);
  });

  it('copy docker://UP docker://OTHER of the index carries its signatures: cosign and notation verify there', async () => {
    const other = await startRegistry();
    try {
      const r = stowage(['copy', '--all-platforms', `docker://${up.addr}/multi:2`, `docker://${other.addr}/mirror/multi:2`, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const c = json(r);
      assert.equal(c.registry.digest, m2.indexDigest);
      assert.equal(c.referrers.length, 4, JSON.stringify(c.referrers));
      const v = cosign(['verify', ...verifyArgs(), `${other.addr}/mirror/multi:2`]);
      assert.equal(v.status, 0, v.out);
      const n = notation(['verify', '--insecure-registry', `${other.addr}/mirror/multi@${m2.indexDigest}`]);
      assert.equal(n.status, 0, n.out);
    } finally {
      other.stop();
    }
  });
});
