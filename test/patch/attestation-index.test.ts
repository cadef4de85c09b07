/**
 * BuildKit's attestation manifests travel with the index (issue 20): by default (provenance mode min) BuildKit on
 * the containerd image store pushes an OCI index of the image and an attestation manifest (annotated
 * `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest: <image>`, platform
 * unknown/unknown, an image config and an in-toto statement as its layer). Built here in that shape (the layers
 * gzip'd by Go's own compress/gzip at level 6, as BuildKit does; test/patch/exact-producers.test.ts pushes real
 * ones), pushed v1 and v2 to the real CNCF registry without stowage; then `delta --patch`, `apply` into a second
 * registry and into an OCI layout, and `copy docker:// docker://`: the site serves upstream's index digest, the
 * bytes equal, the attestation and its blobs there. A delta whose attestation bytes were altered writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { files, sha, tarOf } from '../helpers/build-layer.js';
import { deltaEntries, withIndex, writeEntries } from '../helpers/delta-edit.js';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, manifestAt, startRegistry, type Registry } from '../helpers/registry.js';
import { GO_SKIP, buildGzipper, goGzipped } from '../recipes/go-reference.js';

const tmp = scratch('stowage-attest-index-');
const p = (n: string) => join(tmp, n);
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const ACCEPT = `${OCI_INDEX}, ${OCI_MANIFEST}`;

interface Doc { bytes: Buffer; digest: string; mediaType: string }
interface Upstream { index: Doc; image: Doc; attestation: Doc; blobs: Buffer[]; statement: Buffer }

/** Text-like lines, the same for the same seed: compressible, as real files are. */
function lines(seed: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `${seed} line ${i} ${(i * 7919) % 1000} value ${sha(Buffer.from(`${seed}${i}`)).slice(7, 23)}\n`;
  return out;
}

const doc = (o: unknown, mediaType: string): Doc => {
  const bytes = Buffer.from(JSON.stringify(o));
  return { bytes, digest: sha(bytes), mediaType };
};

/** BuildKit's shape: an index of the image (linux/amd64) and its provenance attestation manifest. */
async function upstream(gz: string, version: number): Promise<Upstream> {
  const tars = [
    await tarOf(files({ 'etc/base.txt': lines('base', 4000) })),
    await tarOf(files({ 'app/main.txt': lines('app', 4000) + (version > 1 ? lines('v2', 200) : '') })),
  ];
  const gzs = tars.map((t) => goGzipped(gz, t, 6));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app/main'] }, rootfs: { type: 'layers', diff_ids: tars.map(sha) } }));
  const image = doc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha(config), size: config.length },
    layers: gzs.map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(b), size: b.length })) }, OCI_MANIFEST);
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: 'pkg:docker/app@2?platform=linux%2Famd64', digest: { sha256: image.digest.slice(7) } }],
    predicate: { builder: { id: '' }, buildType: 'https://mobyproject.org/buildkit@v1', metadata: { buildInvocationID: `build-${version}` } } }));
  const aconfig = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [sha(statement)] } }));
  const attestation = doc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha(aconfig), size: aconfig.length },
    layers: [{ mediaType: 'application/vnd.in-toto+json', digest: sha(statement), size: statement.length, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }] }, OCI_MANIFEST);
  const index = doc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [
    { mediaType: OCI_MANIFEST, digest: image.digest, size: image.bytes.length, platform: { architecture: 'amd64', os: 'linux' } },
    { mediaType: OCI_MANIFEST, digest: attestation.digest, size: attestation.bytes.length,
      annotations: { 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' }, platform: { architecture: 'unknown', os: 'unknown' } },
  ] }, OCI_INDEX);
  return { index, image, attestation, blobs: [config, ...gzs, aconfig, statement], statement };
}

/** Pushes it as a producer does, with plain fetch (no stowage): blobs, the two manifests by digest, the index under its tag. */
async function push(addr: string, repo: string, tag: string, u: Upstream): Promise<void> {
  const base = `http://${addr}/v2/${repo}`;
  for (const b of u.blobs) {
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    const at = new URL(start.headers.get('location')!, base);
    at.searchParams.set('digest', sha(b));
    const r = await fetch(at, { method: 'PUT', body: b, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 201, `upload of ${sha(b)}`);
  }
  for (const [ref, d] of [[u.image.digest, u.image], [u.attestation.digest, u.attestation], [tag, u.index]] as const) {
    const r = await fetch(`${base}/manifests/${ref}`, { method: 'PUT', body: d.bytes, headers: { 'content-type': d.mediaType } });
    assert.equal(r.status, 201, `manifest ${repo}:${ref}`);
  }
}

const served = (reg: Registry, repo: string, ref: string) => manifestAt(reg, repo, ref, ACCEPT);

async function blobAt(reg: Registry, repo: string, digest: string): Promise<Buffer | undefined> {
  const res = await fetch(`http://${reg.addr}/v2/${repo}/blobs/${digest}`);
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : undefined;
}

describe('BuildKit attestation manifests travel with the index through a patch delta and a copy', { skip: REGISTRY_SKIP || GO_SKIP }, () => {
  let up: Registry;
  let site: Registry;
  let v1: Upstream;
  let v2: Upstream;
  let report: any;
  before(async () => {
    const gz = buildGzipper();
    [v1, v2] = [await upstream(gz, 1), await upstream(gz, 2)];
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    await push(up.addr, 'app', '1', v1);
    await push(up.addr, 'app', '2', v2);
    await push(site.addr, 'app', '1', v1);
    report = json(stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d.patch'), '--json']));
  });
  after(() => { up?.stop(); site?.stop(); });

  it('upstream serves the index as pushed (the test\'s premise)', async () => {
    const u = await served(up, 'app', '2');
    assert.equal(u.digest, v2.index.digest);
    assert.deepEqual(u.bytes, v2.index.bytes);
  });

  it('delta --patch carries the attestation manifest and its blobs, and says the index arrives exact', () => {
    assert.equal(report.images.length, 1);
    assert.equal(report.images[0].exact, true, report.images[0].notExact);
    assert.equal(report.index.exact, true, report.index.notExact);
    assert.equal(report.index.digest, v2.index.digest);
    assert.deepEqual(report.index.artifacts, [{ digest: v2.attestation.digest, mediaType: OCI_MANIFEST, blobs: 2 }]);
    const names = deltaEntries(p('d.patch')).map((e) => e.name);
    for (const d of [v2.index.digest, v2.attestation.digest, sha(v2.statement), sha(v2.blobs[3]!)]) assert.ok(names.includes(`blobs/sha256/${d.slice(7)}`), `the delta holds ${d}`);
    // The text report says it too.
    const t = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d2.patch')]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stderr, new RegExp(`1 attestation or other manifest it lists: ${v2.attestation.digest}`));
  });

  it('inspect of the delta lists the attestation beside upstream\'s index', () => {
    const r = json(stowage(['inspect', p('d.patch'), '--json']));
    assert.equal(r.index.digest, v2.index.digest);
    assert.deepEqual(r.index.artifacts, [{ digest: v2.attestation.digest, mediaType: OCI_MANIFEST, size: v2.attestation.bytes.length, blobs: 2 }]);
    const t = stowage(['inspect', p('d.patch')]);
    assert.match(t.stdout, new RegExp(`lists beside its images: ${v2.attestation.digest}`));
  });

  it('apply into the site registry: upstream\'s index digest and bytes, the attestation and its blobs there', async () => {
    const a = json(stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:2`, '--json']));
    assert.equal(a.index.exact, true, a.index.notExact);
    assert.equal(a.index.digest, v2.index.digest);
    const s = await served(site, 'app', '2');
    assert.equal(s.digest, v2.index.digest);
    assert.deepEqual(s.bytes, v2.index.bytes);
    for (const m of [v2.image, v2.attestation]) assert.deepEqual((await served(site, 'app', m.digest)).bytes, m.bytes, `manifest ${m.digest}`);
    for (const b of v2.blobs) assert.deepEqual(await blobAt(site, 'app', sha(b)), b, `blob ${sha(b)}`);
  });

  it('apply into an OCI layout: index.json names upstream\'s index, whose blobs are all there; verify passes', () => {
    const dir = p('layout');
    const a = json(stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `oci:${dir}:2`, '--json']));
    assert.equal(a.index.exact, true, a.index.notExact);
    const top = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    assert.deepEqual(top.manifests.map((m: any) => [m.digest, m.annotations['org.opencontainers.image.ref.name']]), [[v2.index.digest, '2']]);
    for (const d of [v2.index, v2.image, v2.attestation]) assert.deepEqual(readFileSync(join(dir, 'blobs/sha256', d.digest.slice(7))), d.bytes);
    for (const b of v2.blobs) assert.deepEqual(readFileSync(join(dir, 'blobs/sha256', sha(b).slice(7))), b);
    const v = stowage(['verify', dir]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
    const i = json(stowage(['inspect', `oci:${dir}:2`, '--json']));
    assert.deepEqual(i.images.map((x: any) => x.manifest.digest), [v2.image.digest]);
  });

  it('copy docker://UP/app:2 docker://OTHER/app:2 keeps the index and its attestation (upstream\'s index digest)', async () => {
    const r = json(stowage(['copy', `docker://${up.addr}/app:2`, `docker://${site.addr}/mirror/app:2`, '--json']));
    assert.equal(r.registry.digest, v2.index.digest);
    const s = await served(site, 'mirror/app', '2');
    assert.equal(s.digest, v2.index.digest);
    assert.deepEqual(s.bytes, v2.index.bytes);
    assert.deepEqual((await served(site, 'mirror/app', v2.attestation.digest)).bytes, v2.attestation.bytes);
    assert.deepEqual(await blobAt(site, 'mirror/app', sha(v2.statement)), v2.statement);
  });

  it('a delta whose attestation blob was altered is refused in one line; nothing is written', async () => {
    // The in-toto statement's bytes changed under its name: the reader hashes every blob against its name.
    const entries = deltaEntries(p('d.patch'));
    const k = entries.findIndex((e) => e.name === `blobs/sha256/${sha(v2.statement).slice(7)}`);
    const bad = Buffer.from(entries[k]!.data);
    bad[bad.indexOf('build-2')] = 'B'.charCodeAt(0);
    entries[k] = { name: entries[k]!.name, data: bad };
    await writeEntries(p('bad1.patch'), entries);
    // The statement swapped for other bytes under their own digest, the index edited to match: the attestation
    // manifest (upstream's bytes) no longer names what the index lists for it.
    const other = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicate: { forged: true } }));
    await withIndex(p('d.patch'), p('bad2.patch'), (i) => {
      const b = i.index.artifacts[0].blobs.find((x: any) => x.digest === sha(v2.statement));
      b.digest = sha(other);
      b.size = other.length;
    }, [{ name: `blobs/sha256/${sha(other).slice(7)}`, data: other }]);
    const cut = deltaEntries(p('bad2.patch')).filter((e) => e.name !== `blobs/sha256/${sha(v2.statement).slice(7)}`);
    await writeEntries(p('bad2.patch'), cut);
    // A tag on an attestation (apply would move it): not a field of index.artifacts.
    await withIndex(p('d.patch'), p('bad3.patch'), (i) => { i.index.artifacts[0].tag = `sha256-${'0'.repeat(64)}.att`; });
    for (const [file, message] of [
      ['bad1.patch', /blobs\/sha256\/[0-9a-f]{64} does not hash to its name/],
      ['bad3.patch', /index\.artifacts\[0\]\.tag is not a field of this format/],
      ['bad2.patch', /index\.artifacts\[0\] \(sha256:[0-9a-f]{64}\) names blob sha256:[0-9a-f]{64} .*which the index does not list for it/],
    ] as const) {
      const r = stowage(['apply', p(file), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:${file}`]);
      assert.notEqual(r.status, 0, `${file} was refused`);
      assert.match(oneLineError(r), message);
      assert.equal((await served(site, 'app', file)).status, 404, `nothing tagged from ${file}`);
      const l = stowage(['apply', p(file), '--base', `docker://${site.addr}/app:1`, '-o', `oci:${p(`${file}.layout`)}:2`]);
      assert.notEqual(l.status, 0);
      assert.match(oneLineError(l), message);
      assert.equal(existsSync(p(`${file}.layout`)), false, 'no layout written');
    }
  });
});
