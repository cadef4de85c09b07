/**
 * Signatures travel (issue 20 item 3): an app pushed v1 and v2 to the real CNCF registry as made (its manifest
 * digest kept), v2 signed by the real cosign 3.1 offline with a key made here, both in cosign's `.sig` tag scheme and
 * as a sigstore bundle referrer (the referrers tag scheme, the registry having no referrers API). `delta --patch` v2
 * against v1 carries the signatures; `apply` into a site registry holding v1 pushes them beside v2, and
 * `cosign verify --key` passes offline there, by both schemes, with nothing but the delta crossing; an unsigned image
 * is still refused. A delta whose signature blob was altered fails in one line and tags nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { COSIGN_SIMPLESIGNING, DOCKER_MANIFEST, flipBlob, forgeDelta, forky, forkySkip, refusedAtSite, sha, tags, upstreamApp as upstream } from './signing.js';

const COSIGN_SKIP = forkySkip('cosign');
const tmp = scratch('stowage-sigs-');
const p = (n: string) => join(tmp, n);

/** cosign in the chroot (which shares /tmp and the loopback network), offline: no Rekor, no TUF, no signing config. */
const cosign = (args: string[]) => forky(tmp, 'cosign', args, ['COSIGN_PASSWORD=']);
const signArgs = ['--key', p('cosign.key'), '--tlog-upload=false', '--use-signing-config=false', '-y', '--allow-http-registry', '--allow-insecure-registry'];
const verifyArgs = ['--key', p('cosign.pub'), '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry'];

describe('signatures travel through a patch delta (cosign, offline)', { skip: REGISTRY_SKIP || COSIGN_SKIP }, () => {
  let up: Registry;
  let site: Registry;
  let v1: { digest: string };
  let v2: { digest: string };
  let report: any;
  let hex: string;
  before(async () => {
    v1 = await upstream(p('up-1'), 1);
    v2 = await upstream(p('up-2'), 2);
    hex = v2.digest.slice(7);
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    for (const [v, reg] of [[1, up], [2, up], [1, site]] as const) {
      const r = stowage(['copy', `oci:${p(`up-${v}`)}:${v}`, `docker://${reg.addr}/app:${v}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    let c = cosign(['generate-key-pair', '--output-key-prefix', p('cosign')]);
    assert.equal(c.status, 0, c.out);
    // Both schemes: the legacy `.sig` tag, and the default sigstore bundle (a referrer in the referrers tag scheme).
    c = cosign(['sign', ...signArgs, '--new-bundle-format=false', `${up.addr}/app@${v2.digest}`]);
    assert.equal(c.status, 0, c.out);
    c = cosign(['sign', ...signArgs, `${up.addr}/app@${v2.digest}`]);
    assert.equal(c.status, 0, c.out);
    const r = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });
  after(() => { up?.stop(); site?.stop(); });

  it('upstream holds both signatures, and cosign verifies there (the premise)', async () => {
    const t = await tags(up, 'app');
    assert.ok(t.includes(`sha256-${hex}.sig`), t.join(' '));
    assert.ok(t.includes(`sha256-${hex}`), t.join(' '));
    const c = cosign(['verify', ...verifyArgs, `${up.addr}/app@${v2.digest}`]);
    assert.equal(c.status, 0, c.out);
  });

  it('delta --patch carries the .sig tag, the referrers index and the bundle it lists, and inspect lists them', () => {
    const img = report.images[0];
    assert.equal(img.exact, true, img.notExact);
    const refs = img.referrers as { tag?: string; digest: string; mediaType: string }[];
    assert.ok(refs.some((r) => r.tag === `sha256-${hex}.sig`));
    assert.ok(refs.some((r) => r.tag === `sha256-${hex}` && r.mediaType === 'application/vnd.oci.image.index.v1+json'));
    assert.ok(refs.some((r) => !r.tag), 'the bundle listed in the referrers index');
    const i = stowage(['inspect', p('d.patch'), '--json']);
    assert.equal(i.status, 0, i.stderr);
    const listed = json(i).images[0].referrers as { digest: string }[];
    assert.deepEqual(listed.map((r) => r.digest).sort(), refs.map((r) => r.digest).sort());
  });

  it('a delta with an altered signature blob fails in one line and tags nothing', async () => {
    let layer = '';
    await forgeDelta(p('d.patch'), p('bad.patch'), (index, entries) => {
      const sig = index.images[0].referrers.find((r: any) => r.tag?.endsWith('.sig'));
      layer = sig.blobs.find((b: any) => b.mediaType === COSIGN_SIMPLESIGNING).digest;
      flipBlob(entries, layer);
    });
    await refusedAtSite(p('bad.patch'), site, 'app', new RegExp(`bad\\.patch: blobs/sha256/${layer.slice(7)} does not hash to its name`));
  });

  it('an index whose referrer would move another tag (the image\'s own) is refused in one line, nothing written', async () => {
    await forgeDelta(p('d.patch'), p('retag.patch'), (index) => { index.images[0].referrers.find((r: any) => r.tag?.endsWith('.sig')).tag = '1'; });
    await refusedAtSite(p('retag.patch'), site, 'app', /retag\.patch.*images\[0\]\.referrers\[\d+\]\.tag must be sha256-<hex>/);
    assert.equal((await fetch(`http://${site.addr}/v2/app/manifests/1`, { method: 'HEAD', headers: { Accept: DOCKER_MANIFEST } })).headers.get('docker-content-digest'), v1.digest);
  });

  it('apply into the site registry pushes them beside v2, and cosign verify --key passes there offline', async () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const img = json(r).images[0];
    assert.equal(img.manifestDigest, v2.digest);
    assert.ok(img.referrers.pushed.length >= 3, JSON.stringify(img.referrers));
    const t = await tags(site, 'app');
    assert.ok(t.includes(`sha256-${hex}.sig`) && t.includes(`sha256-${hex}`), t.join(' '));
    // Each referrer's manifest is served with its own digest: byte for byte.
    for (const ref of report.images[0].referrers) {
      const res = await fetch(`http://${site.addr}/v2/app/manifests/${ref.digest}`, { headers: { Accept: ref.mediaType } });
      assert.equal(res.status, 200);
      assert.equal(sha(Buffer.from(await res.arrayBuffer())), ref.digest);
    }
    // A plain verify (the bundle), then the legacy `.sig` alone.
    let c = cosign(['verify', ...verifyArgs, `${site.addr}/app:2`]);
    assert.equal(c.status, 0, c.out);
    c = cosign(['verify', ...verifyArgs, '--new-bundle-format=false', `${site.addr}/app:2`]);
    assert.equal(c.status, 0, c.out);
    assert.match(c.out, /cosign container image signature/);
    // Still refused: the unsigned v1.
    c = cosign(['verify', ...verifyArgs, `${site.addr}/app:1`]);
    assert.notEqual(c.status, 0, c.out);
  });

  it('into an OCI layout the image arrives exact and its signatures are kept in index.json, byte for byte', async () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `oci:${p('layout')}:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const img = json(r).images[0];
    assert.equal(img.manifestDigest, v2.digest);
    const refs = report.images[0].referrers as { tag?: string; digest: string; mediaType: string }[];
    assert.equal(img.referrers.kept.length, refs.length);
    const index = JSON.parse(readFileSync(p('layout/index.json'), 'utf8'));
    for (const ref of refs) {
      const e = index.manifests.find((m: any) => m.digest === ref.digest);
      assert.ok(e, `index.json lists ${ref.digest}`);
      assert.equal(e.annotations['io.stowage.referrer-of'], v2.digest);
      assert.equal(e.annotations['org.opencontainers.image.ref.name'], ref.tag);
      // The manifest as upstream's registry serves it, and every blob it names, under its digest.
      const kept = readFileSync(p(`layout/blobs/sha256/${ref.digest.slice(7)}`));
      const res = await fetch(`http://${up.addr}/v2/app/manifests/${ref.digest}`, { headers: { Accept: ref.mediaType } });
      assert.deepEqual(kept, Buffer.from(await res.arrayBuffer()));
      const doc = JSON.parse(kept.toString('utf8'));
      for (const d of [doc.config, ...(doc.layers ?? [])].filter(Boolean)) assert.equal(sha(readFileSync(p(`layout/blobs/sha256/${d.digest.slice(7)}`))), d.digest);
    }
    // The layout still reads: the image by its tag, and the whole layout.
    const v = stowage(['verify', `oci:${p('layout')}:2`]);
    assert.equal(v.status, 0, v.stderr);
    const all = stowage(['inspect', `oci:${p('layout')}`, '--json']);
    assert.equal(all.status, 0, all.stderr);
    assert.ok(json(all).images.some((m: any) => m.manifest.digest === v2.digest));
  });

  it('into a docker archive the report says the signatures were left behind', () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', p('app.tar'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const img = json(r).images[0];
    assert.equal(img.referrers.skipped, report.images[0].referrers.length);
    assert.match(img.referrers.why, /makes its own manifests/);
  });

  it('copy docker://UP docker://OTHER keeps the manifest and carries the signatures: cosign verify passes there', async () => {
    const other = await startRegistry();
    try {
      const r = stowage(['copy', `docker://${up.addr}/app:2`, `docker://${other.addr}/mirror/app:2`, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const c = json(r);
      assert.equal(c.registry.digest, v2.digest);
      assert.equal(c.referrers.length, report.images[0].referrers.length, JSON.stringify(c.referrers));
      let v = cosign(['verify', ...verifyArgs, `${other.addr}/mirror/app:2`]);
      assert.equal(v.status, 0, v.out);
      v = cosign(['verify', ...verifyArgs, '--new-bundle-format=false', `${other.addr}/mirror/app:2`]);
      assert.equal(v.status, 0, v.out);
    } finally {
      other.stop();
    }
  });
});
