/**
 * Real `docker save` archives of the engines CI starts (dockerd 20.10, Docker 28.5 with the classic and with the
 * containerd image store), of images loaded from an archive the test writes (no network, no pull): stowage reads
 * and verifies each, with the identities the engine itself reports. These stand in for the real saves among
 * go-containerregistry's fixtures (hello-world-v25.tar, test_link.tar), which this repository does not hold.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chainIds } from '../../src/oci/identities.js';
import { v1LayerIds } from '../../src/oci/v1id.js';
import { json, stowage, stowagePiped } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { buildImage, writeDockerArchive } from '../helpers/build-image.js';
import { dir as dirEntry, file, layerOf } from '../helpers/build-layer.js';
import { scratch } from '../helpers/paths.js';

const token = randomBytes(4).toString('hex');
const BASE = `stowage-saves/base:${token}`;
const APP = `stowage-saves/app:${token}`;
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

for (const e of ENGINES) {
  describe(`docker save of ${e.name}`, { skip: e.skip }, () => {
    const dir = scratch('stowage-saves-');
    const saved = join(dir, 'saved.tar');
    const x = join(dir, 'x');
    let ids: Record<string, { Id: string; diffIds: string[] }> = {};
    const env = { DOCKER_HOST: e.host };

    before(async () => {
      // Two images sharing their bottom layer, loaded from an archive written here; then saved by the engine.
      const bottom = await layerOf([file('hello', `hello ${token}\n`, { mode: 0o755 })]);
      const top = await layerOf([dirEntry('app/'), file('app/run.sh', '#!/bin/sh\necho app\n', { mode: 0o755 })]);
      const input = join(dir, 'input.tar');
      await writeDockerArchive(input, [
        buildImage([bottom], { tags: [BASE], config: { created: '2024-01-01T00:00:00Z', config: { Cmd: ['/hello'] } } }),
        buildImage([bottom, top], { tags: [APP], config: { created: '2024-01-01T00:00:00Z', config: { Cmd: ['/app/run.sh'] } } }),
      ], { layout: 'legacy' });
      e.docker(['load', '-q', '-i', input]);
      for (const t of [BASE, APP]) {
        const i = JSON.parse(e.docker(['image', 'inspect', t]))[0];
        ids[t] = { Id: i.Id, diffIds: i.RootFS.Layers };
      }
      e.docker(['save', '-o', saved, BASE, APP]);
      execFileSync('mkdir', ['-p', x]);
      execFileSync('tar', ['-C', x, '-xf', saved]);
    });
    after(() => { e.tryDocker(['rmi', APP, BASE]); });

    it('inspect shows the image IDs and DiffIDs the engine shows; verify passes, from a file and from a pipe', async () => {
      const r = json(stowage(['inspect', '--json', saved]));
      const byTag = (t: string) => r.images.find((i: any) => i.tags.includes(t));
      for (const t of [BASE, APP]) {
        const img = byTag(t);
        assert.ok(img, `${t} in ${r.images.map((i: any) => i.tags)}`);
        assert.equal(img.engineId?.id ?? img.imageId, ids[t]!.Id);
        assert.deepEqual(img.layers.map((l: any) => l.diffId), ids[t]!.diffIds);
      }
      const v = stowage(['verify', '--json', saved]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.equal(JSON.parse(v.stdout).ok, true);
      const piped = await stowagePiped(['verify', '-'], saved);
      assert.equal(piped.status, 0, piped.stdout + piped.stderr);
      const fromPipe = JSON.parse((await stowagePiped(['inspect', '--json', '-'], saved)).stdout);
      assert.deepEqual(fromPipe.images.map((i: any) => i.imageId), r.images.map((i: any) => i.imageId));
    });

    if (e.name.startsWith('dockerd 20.10')) {
      it('Docker <= 24: the shared layer is stored once, the second copy a symlink stowage follows; v1 names are moby\'s', () => {
        const r = json(stowage(['inspect', '--json', saved]));
        assert.match(r.flavor, /Docker <= 24 \(legacy layout\)/);
        const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
        const links = manifest.flatMap((m: any) => m.Layers).filter((p: string) => lstatSync(join(x, p)).isSymbolicLink());
        assert.equal(links.length, 1, 'dockerd wrote one symlinked layer.tar');
        const linked = r.images.flatMap((i: any) => i.layers).filter((l: any) => l.linkedTo);
        assert.deepEqual(linked.map((l: any) => l.path), links);
        // The directory names dockerd chose, against moby's rule computed from each config.
        for (const item of manifest) {
          const config = JSON.parse(readFileSync(join(x, item.Config), 'utf8'));
          assert.deepEqual(v1LayerIds(chainIds(config.rootfs.diff_ids), config), item.Layers.map((l: string) => `sha256:${l.split('/')[0]}`));
        }
        for (const img of r.images) for (const l of img.layers) assert.equal(l.v1.matchesMoby, true);
      });
    } else {
      it('Docker 25+: the manifest index.json names is found and its digest is its bytes\'; the platform is the config\'s', () => {
        const r = json(stowage(['inspect', '--json', saved]));
        assert.match(r.flavor, new RegExp(`Docker 25\\+ from the ${e.store} image store`));
        const index = JSON.parse(readFileSync(join(x, 'index.json'), 'utf8'));
        const digests = index.manifests.map((m: any) => m.digest);
        for (const img of r.images) {
          assert.ok(digests.includes(img.manifest.digest), `${img.manifest.digest} in index.json`);
          assert.equal(sha(readFileSync(join(x, 'blobs/sha256', img.manifest.digest.slice(7)))), img.manifest.digest);
          assert.equal(img.platform, 'linux/amd64');
        }
      });
    }

    it('stowage layers reads the save: one file per layer, no waste', () => {
      const r = json(stowage(['layers', `docker-archive:${saved}:${APP}`, '--json'], { env }));
      assert.equal(r.layers.length, 2);
      assert.deepEqual(r.layers[0].topFiles.map((f: any) => f.path), ['/hello']);
      assert.equal(r.wastedBytes, 0);
    });
  });
}
