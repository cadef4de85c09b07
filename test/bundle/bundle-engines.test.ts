/**
 * `apply BUNDLE -o docker-daemon:` on the three real engines (issue 21): a site at v1 of a five-app release (loaded
 * with a plain `docker load`), its state recorded by `stowage have docker-daemon:`; the v1->v2 bundle and the one v3
 * bundle made for sites at v1 or v2 both apply with no --base (the bases are read from the engine), and
 * `docker run` of every image prints its own name and version.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stowage } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { scratch } from '../helpers/paths.js';
import { APPS, archivesOf, buildRelease, type ReleaseImage, type Version } from '../helpers/release.js';

const tmp = scratch('stowage-bundle-engines-');
const repo = `stowage-bundle-${randomBytes(4).toString('hex')}`;
let rel: Map<string, ReleaseImage>;
const bases = (...vs: Version[]) => vs.flatMap((v) => archivesOf(rel, v).flatMap((a) => ['--base', a]));
const ok = (args: string[], env?: NodeJS.ProcessEnv) => {
  const r = stowage(args, env ? { env } : {});
  assert.equal(r.status, 0, `stowage ${args.join(' ')}: ${r.stderr}`);
  return r;
};

before(async () => {
  rel = await buildRelease(join(tmp, 'release'), { repo });
});

describe('bundle into each engine', () => {
  for (const e of ENGINES) {
    it(`${e.name}: a site at v1 takes v2, and v3 from the bundle for sites at v1 or v2; docker run works for every image`, { skip: e.skip }, () => {
      const env = { DOCKER_HOST: e.host };
      const tags = [1, 2, 3].flatMap((v) => APPS.map((a) => rel.get(`${a}:${v}`)!.tag));
      try {
        for (const a of archivesOf(rel, 1)) e.docker(['load', '-i', a]);
        const have = join(tmp, `have-${ENGINES.indexOf(e)}.json`);
        ok(['have', ...APPS.map((a) => `docker-daemon:${rel.get(`${a}:1`)!.tag}`), '-o', have, '-q'], env);
        const v2 = join(tmp, `v2-${ENGINES.indexOf(e)}.json`);
        // The state of a site at v2, as its record says (from the archives: what a v2 site loaded).
        ok(['have', ...archivesOf(rel, 2), '-o', v2, '-q']);
        const b2 = join(tmp, `r2-${ENGINES.indexOf(e)}.bundle`);
        const b3 = join(tmp, `r3-${ENGINES.indexOf(e)}.bundle`);
        ok(['bundle', ...archivesOf(rel, 2), '--site', have, ...bases(1), '-o', b2, '-q']);
        ok(['bundle', ...archivesOf(rel, 3), '--site', have, '--site', v2, ...bases(1, 2), '-o', b3, '-q']);
        // The site skipped v2: v3 first, from the bundle made for v1 or v2 sites; then v2 all the same.
        ok(['apply', b3, '-o', 'docker-daemon:', '-q'], env);
        ok(['apply', b2, '-o', 'docker-daemon:', '-q'], env);
        for (const v of [2, 3] as const) {
          for (const a of APPS) {
            const img = rel.get(`${a}:${v}`)!;
            const ins = JSON.parse(e.docker(['image', 'inspect', img.tag]))[0];
            assert.deepEqual(ins.RootFS.Layers, img.diffIds, `${img.tag}: DiffIDs`);
            if (e.store === 'classic') assert.equal(ins.Id, img.imageId, `${img.tag}: image ID`);
            const out = e.docker(['run', '--rm', '--network', 'none', img.tag]).trim();
            assert.equal(out, `${a} v${v} on ${v === 3 && a !== 'delta' && a !== 'echo' ? 'a.1.1' : `${a === 'delta' || a === 'echo' ? 'b' : 'a'}.1.0`}`);
          }
        }
      } finally {
        e.tryDocker(['rmi', '-f', ...tags]);
      }
    });
  }
});
