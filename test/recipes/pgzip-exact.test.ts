/**
 * An image pushed by podman 5.8 (its layers gzip'd by pgzip over klauspost/compress 1.20.0) through a patch delta:
 * v1 and v2 pushed to the real CNCF registry by podman itself, `delta --patch` between them, `apply` against the
 * site's v1 (pushed by podman too) into a second registry: the manifest the site serves has upstream's digest and
 * every blob is upstream's, the changed layers having been made again by the pgzip recipe.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { layerTar } from '../helpers/archive.js';
import { stowage } from '../helpers/cli.js';
import { REGISTRY_SKIP, manifestAt, startRegistry, type Registry } from '../helpers/registry.js';
import { text } from './inputs.js';
import { PODMAN_SKIP, forkyScratch, podman, uncompressedLayout } from './pgzip-reference.js';

const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** Files of the app layer at a version: in v2 some files grow and one is new (over a MiB: two pgzip blocks). */
function appFiles(version: number): Record<string, string> {
  const f: Record<string, string> = {};
  const body = text(1600000).toString('latin1');
  for (let i = 0; i < 20; i++) {
    const own = body.slice(i * 80000, i * 80000 + 70000);
    f[`app/file-${i}.txt`] = version > 1 && (i === 3 || i === 14) ? `${own}\nchanged in v${version}: ${own.slice(100, 2000)}` : own;
  }
  if (version > 1) f['app/new.txt'] = body.slice(5000, 9000);
  return f;
}

const served = (reg: Registry, repo: string, ref: string) => manifestAt(reg, repo, ref, ACCEPT);

describe('a podman-pushed image through a patch delta arrives exact (pgzip recipe)', { skip: REGISTRY_SKIP || PODMAN_SKIP }, () => {
  const dir = REGISTRY_SKIP || PODMAN_SKIP ? '' : forkyScratch('stowage-pgzip-exact-');
  const p = (n: string) => join(dir, n);
  let up: Registry;
  let site: Registry;
  let report: any;
  before(async () => {
    const base = await layerTar({ 'base/words.txt': text(3 << 20).toString('latin1') });
    for (const v of [1, 2]) uncompressedLayout(p(`v${v}`), String(v), [base, await layerTar(appFiles(v))]);
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    const store = p('podman');
    const push = (v: number, reg: Registry) => podman(store, ['push', '-q', '--tls-verify=false', '--compression-format', 'gzip', '--force-compression', `localhost/app:${v}`, `docker://${reg.addr}/app:${v}`]);
    for (const v of [1, 2]) {
      const id = podman(store, ['pull', '-q', `oci:${p(`v${v}`)}:${v}`]).trim().split('\n').pop()!;
      podman(store, ['tag', id, `localhost/app:${v}`]);
      push(v, up);
    }
    push(1, site);
    const r = stowage(['delta', `docker://${up.addr}/app:2`, '--base', `docker://${up.addr}/app:1`, '--patch', '-o', p('d.patch'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout);
  });
  after(() => { up?.stop(); site?.stop(); });

  it('delta --patch finds the pgzip recipe of the changed layer and says the image arrives exact', async () => {
    const upstream = await served(up, 'app', '2');
    assert.equal(upstream.status, 200);
    assert.equal(report.images[0].exact, true, JSON.stringify(report.images[0].notExact));
    assert.equal(report.images[0].manifestDigest, upstream.digest);
    const [base, app] = report.layers;
    assert.equal(base.how, 'base');
    assert.equal(app.how, 'patch');
    assert.equal(app.recipe, 'pgzip 1.20.0 level 5');
    const layers = JSON.parse(upstream.bytes.toString()).layers;
    assert.equal(app.blobDigest, layers[1].digest);
  });

  it('apply into the site registry: upstream\'s manifest digest and bytes, its blobs, verify passes', async () => {
    const r = stowage(['apply', p('d.patch'), '--base', `docker://${site.addr}/app:1`, '-o', `docker://${site.addr}/app:2`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.images[0].exact, true, JSON.stringify(a.images[0].notExact));
    assert.equal(a.images[0].recompressed, 1);
    const upstream = await served(up, 'app', '2');
    const got = await served(site, 'app', '2');
    assert.equal(got.digest, upstream.digest);
    assert.ok(got.bytes.equals(upstream.bytes));
    for (const l of JSON.parse(upstream.bytes.toString()).layers) {
      const res = await fetch(`http://${site.addr}/v2/app/blobs/${l.digest}`);
      assert.equal(res.status, 200, l.digest);
      assert.equal(`sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`, l.digest);
    }
    const v = stowage(['verify', `docker://${site.addr}/app:2`]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
  });
});
