/**
 * A release bundle into a site registry arrives exact (issues 21 and 20): the five-app release pushed upstream with
 * every layer gzip'd by Go's real compress/gzip at level 6 (as `docker push` does) under Docker schema 2 manifests;
 * the site registry holds v1 (copied registry to registry, digests kept); `stowage have` of the site, one bundle
 * v1 -> v2 from the upstream registry, `apply -o docker://SITE/`: every v2 tag the site serves has upstream's manifest
 * digest (asked of both registries over HTTP), with the site's own v1 blobs as the bases.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER_MANIFEST, buildImage, writeOciLayout } from '../helpers/build-image.js';
import { layerOf } from '../helpers/build-layer.js';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { APPS, buildRelease, type ReleaseImage } from '../helpers/release.js';
import { tarFiles } from '../helpers/tar-entries.js';
import { GO_SKIP, buildGzipper, goGzipped } from '../recipes/go-reference.js';

const tmp = scratch('stowage-bundle-exact-');
const ok = (args: string[]) => {
  const r = stowage(args);
  assert.equal(r.status, 0, `stowage ${args.join(' ')}: ${r.stderr}`);
  return r;
};

/** The image of a release archive as `docker push` would store it: Go-gzip'd layers, a Docker manifest; in a layout. */
async function pushedLayout(img: ReleaseImage, dir: string, gz: string): Promise<string> {
  const e = tarFiles(img.archive);
  const layers = await Promise.all(img.diffIds.map((d) => {
    const tar = e.get(`${d.slice(7)}.tar`)!;
    return layerOf(tar, { stored: goGzipped(gz, tar, 6) });
  }));
  const image = buildImage(layers, { configBytes: e.get(`${img.imageId.slice(7)}.json`)! });
  return writeOciLayout(dir, [{ image, ref: 'x', manifest: { kind: 'docker', indent: 3 } }]).digests[0]!;
}

async function served(reg: Registry, repo: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${tag}`, { headers: { Accept: `${DOCKER_MANIFEST}, application/vnd.oci.image.manifest.v1+json` } });
  return res.status === 200 ? res.headers.get('docker-content-digest') : null;
}

describe('a bundle into a site registry arrives with upstream\'s digests', { skip: REGISTRY_SKIP || GO_SKIP }, () => {
  let up: Registry;
  let site: Registry;
  const upstreamDigest = new Map<string, string>();
  before(async () => {
    const rel = await buildRelease(join(tmp, 'release'));
    const gz = buildGzipper();
    [up, site] = await Promise.all([startRegistry(), startRegistry()]);
    for (const v of [1, 2] as const) {
      for (const a of APPS) {
        const dir = join(tmp, `layout-${a}-${v}`);
        upstreamDigest.set(`${a}:${v}`, await pushedLayout(rel.get(`${a}:${v}`)!, dir, gz));
        ok(['copy', `oci:${dir}:x`, `docker://${up.addr}/stowage-release/${a}:${v}`, '-q']);
      }
    }
    // The site at v1, as a mirror of upstream: registry to registry, every digest kept.
    for (const a of APPS) ok(['copy', `docker://${up.addr}/stowage-release/${a}:1`, `docker://${site.addr}/stowage-release/${a}:1`, '-q']);
  });
  after(() => { up?.stop(); site?.stop(); });

  it('v1 -> v2: every tag the site serves has upstream\'s manifest digest', async () => {
    for (const a of APPS) assert.equal(await served(site, `stowage-release/${a}`, '1'), upstreamDigest.get(`${a}:1`), 'the premise: the site mirrors v1 exactly');
    const have = join(tmp, 'site.json');
    ok(['have', ...APPS.map((a) => `docker://${site.addr}/stowage-release/${a}`), '-o', have, '-q']);
    const b = join(tmp, 'r2.bundle');
    const r = json(ok(['bundle', ...APPS.map((a) => `docker://${up.addr}/stowage-release/${a}:2`), '--site', have,
      ...APPS.flatMap((a) => ['--base', `docker://${up.addr}/stowage-release/${a}:1`]), '-o', b, '--json']));
    for (const img of r.images) assert.equal(img.exact, true, `${img.tags[0]}: ${img.notExact}`);
    const a2 = json(ok(['apply', b, '-o', `docker://${site.addr}/`, '--json']));
    for (const img of a2.images) assert.equal(img.exact, true, `${img.tags[0]}: ${img.notExact}`);
    for (const a of APPS) assert.equal(await served(site, `stowage-release/${a}`, '2'), upstreamDigest.get(`${a}:2`), `${a}:2 at the site`);
    ok(['verify', `docker://${site.addr}/stowage-release/alpha:2`, '-q']);
  });
});
