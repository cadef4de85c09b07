/**
 * The OCI 1.1 referrers API (issue 20 item 3): upstream is a registry that answers `GET /v2/<name>/referrers/<digest>`
 * (go-containerregistry's, built from Debian's packages by scripts/peers/referrers-registry.sh), v2 signed there by
 * the real notation 1.3, and the referrers tag index notation also wrote removed, so only the API finds the signature.
 * `delta --patch` asks the API first and carries it; `apply` into the CNCF registry 2.8 (no API) lists it in a
 * referrers tag index stowage makes there, into a site with the API it lands by digest alone; `notation verify`
 * passes offline at both, and after `copy docker:// docker://`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, freePort, startRegistry, type Registry } from '../helpers/registry.js';
import { FORKY, NOTATION_SIGNATURE, OCI_INDEX, forky, forkySkip, manifestAt, notationSetup, tags, upstreamApp } from './signing.js';

const tmp = scratch('stowage-sigs-api-');
const p = (n: string) => join(tmp, n);
const notation = (args: string[]) => forky(p('home'), 'notation', args);
const BINARY = join(FORKY, 'usr/local/bin/stowage-referrers-registry');
const API_SKIP = existsSync(BINARY) ? false : `${BINARY} is not built (scripts/peers/modern-engine.sh setup builds it; CI does)`;

/** The registry with the referrers API, in memory, on a free loopback port. */
async function startApiRegistry(): Promise<{ addr: string; stop: () => void }> {
  const addr = `127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn(BINARY, [addr], { stdio: 'ignore' });
  process.on('exit', () => child.kill());
  // A test process killed from outside runs no exit handler: a watchdog stops the registry then.
  spawn('sh', ['-c', 'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill "$1" 2>/dev/null', String(process.pid), String(child.pid)], { detached: true, stdio: 'ignore' }).unref();
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://${addr}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) return { addr, stop: () => child.kill() };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`the referrers registry did not answer on ${addr}`);
}

async function referrersApi(addr: string, repo: string, digest: string): Promise<{ status: number; manifests: any[] }> {
  const res = await fetch(`http://${addr}/v2/${repo}/referrers/${digest}`);
  return { status: res.status, manifests: res.status === 200 ? ((await res.json()) as { manifests: any[] }).manifests : [] };
}

describe('the OCI 1.1 referrers API: asked first, its referrers delivered to sites with and without it', { skip: REGISTRY_SKIP || forkySkip('notation') || API_SKIP }, () => {
  let up: { addr: string; stop: () => void };
  let apiSite: { addr: string; stop: () => void };
  let site: Registry;
  let v2: { digest: string };
  let hex: string;
  let sig: string;
  let report: any;
  before(async () => {
    await upstreamApp(p('up-1'), 1);
    v2 = await upstreamApp(p('up-2'), 2);
    hex = v2.digest.slice(7);
    [up, apiSite, site] = await Promise.all([startApiRegistry(), startApiRegistry(), startRegistry()]);
    for (const [v, addr] of [[1, up.addr], [2, up.addr], [1, site.addr], [1, apiSite.addr]] as const) {
      const r = stowage(['copy', `oci:${p(`up-${v}`)}:${v}`, `docker://${addr}/app:${v}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    notationSetup(p('home'), ['upstream.test']);
    const s = notation(['sign', '--insecure-registry', `${up.addr}/app@${v2.digest}`]);
    assert.equal(s.status, 0, s.out);
    // notation wrote the tag index too (this registry sends no OCI-Subject header); without it only the API knows.
    const del = await fetch(`http://${up.addr}/v2/app/manifests/sha256-${hex}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    const r = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });
  after(() => { up?.stop(); apiSite?.stop(); site?.stop(); });

  it('upstream: only the referrers API lists the signature, and notation verifies there (the premise)', async () => {
    assert.deepEqual((await tags({ addr: up.addr } as Registry, 'app')).sort(), ['1', '2']);
    const listed = await referrersApi(up.addr, 'app', v2.digest);
    assert.equal(listed.status, 200);
    assert.equal(listed.manifests.length, 1);
    assert.equal(listed.manifests[0].artifactType, NOTATION_SIGNATURE);
    sig = listed.manifests[0].digest;
    const v = notation(['verify', '--insecure-registry', `${up.addr}/app@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
  });

  it('delta --patch finds it through the API and carries it (no tag: pushed by digest)', () => {
    const refs = report.images[0].referrers;
    assert.deepEqual(refs, [{ digest: sig, mediaType: 'application/vnd.oci.image.manifest.v1+json', blobs: 2 }]);
  });

  it('apply into the CNCF registry (no referrers API): stowage lists it in a referrers tag index there, notation verifies', async () => {
    assert.equal((await referrersApi(site.addr, 'app', v2.digest)).status, 404);
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const img = json(r).images[0];
    assert.equal(img.manifestDigest, v2.digest);
    assert.ok(img.referrers.pushed.includes(`${site.addr}/app:sha256-${hex}`), JSON.stringify(img.referrers));
    const index = JSON.parse((await manifestAt(site, 'app', `sha256-${hex}`)).bytes.toString('utf8'));
    assert.equal(index.mediaType, OCI_INDEX);
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, sig);
    assert.equal(index.manifests[0].artifactType, NOTATION_SIGNATURE);
    const v = notation(['verify', '--insecure-registry', `${site.addr}/app@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
  });

  it('apply into a site with the referrers API: the signature by digest, no tag made, notation verifies', async () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${apiSite.addr}/app:1`, '-o', `docker://${apiSite.addr}/app:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(json(r).images[0].referrers.pushed, [`${apiSite.addr}/app@${sig}`]);
    assert.deepEqual((await tags({ addr: apiSite.addr } as Registry, 'app')).sort(), ['1', '2']);
    assert.deepEqual((await referrersApi(apiSite.addr, 'app', v2.digest)).manifests.map((m) => m.digest), [sig]);
    const v = notation(['verify', '--insecure-registry', `${apiSite.addr}/app@${v2.digest}`]);
    assert.equal(v.status, 0, v.out);
  });

  it('copy from the API registry into the CNCF registry carries it: notation verify passes there', async () => {
    const other = await startRegistry();
    try {
      const r = stowage(['copy', `docker://${up.addr}/app:2`, `docker://${other.addr}/mirror/app:2`, '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(json(r).referrers.includes(`${other.addr}/mirror/app:sha256-${hex}`), r.stdout);
      const v = notation(['verify', '--insecure-registry', `${other.addr}/mirror/app@${v2.digest}`]);
      assert.equal(v.status, 0, v.out);
    } finally {
      other.stop();
    }
  });
});
