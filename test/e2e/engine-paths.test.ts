/**
 * The other engine paths on every engine, the containerd image store included: `inspect docker-daemon:` shows the
 * image ID the engine shows, `edit --thin` loads beside the original, `apply -o docker-daemon:` loads a rebuilt
 * image, `copy` to and from `docker-daemon:` keeps the config, and `have` records the blobs the engine stores.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { json, stowage } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';

const dir = scratch('stowage-engine-paths-');
const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');
const token = randomBytes(4).toString('hex');

for (const e of ENGINES) {
  describe(`engine paths on ${e.name}`, { skip: e.skip }, () => {
    const env = { DOCKER_HOST: e.host };
    const reset = () => e.tryDocker(['rmi', '-f', 'stowage-example/app:1', 'stowage-example/app:2', `stowage-paths/edited:${token}`, `stowage-paths/copied:${token}`]);

    it('inspect docker-daemon: shows the image ID the engine shows; have records the store and, on containerd, the blobs', () => {
      reset();
      e.docker(['load', '-q', '-i', APP2]);
      const id = JSON.parse(e.docker(['image', 'inspect', 'stowage-example/app:2']))[0].Id;
      const img = json(stowage(['inspect', '--json', 'docker-daemon:stowage-example/app:2'], { env })).images[0];
      assert.equal(img.engineId?.id ?? img.imageId, id);
      assert.equal(img.engineId === null, e.store === 'classic');
      // A docker save this engine writes is named for the store that wrote it, with the ID that store shows.
      const saved = join(dir, `saved-${e.name.replace(/\W+/g, '-')}.tar`);
      e.docker(['save', '-o', saved, 'stowage-example/app:2']);
      const s = json(stowage(['inspect', '--json', saved]));
      const want = e.name.startsWith('dockerd 20.10') ? /Docker <= 24/ : e.store === 'containerd' ? /from the containerd image store/ : /from the classic image store/;
      assert.match(s.flavor, want);
      assert.equal(s.images[0].engineId?.id ?? s.images[0].imageId, id);
      const have = join(dir, `have-${e.store}.json`);
      assert.equal(stowage(['have', 'docker-daemon:stowage-example/app:2', '-o', have], { env }).status, 0);
      const rec = JSON.parse(readFileSync(have, 'utf8')).images[0];
      assert.equal(rec.store, e.store);
      if (e.store === 'containerd') {
        assert.deepEqual(rec.blobs.map((b: any) => b.digest), rec.diffIds, 'a loaded docker save is stored uncompressed');
        // Read from containerd's content store directly (the data root as seen from here), the same record.
        const root = JSON.parse(e.docker(['info', '--format', '{{json .DockerRootDir}}']));
        const direct = join(dir, 'have-direct.json');
        assert.equal(stowage(['have', 'docker-daemon:stowage-example/app:2', '--data-root', `${process.env.STOWAGE_FORKY ?? '/opt/stowage-forky'}${root}`, '-o', direct], { env }).status, 0);
        assert.deepEqual(JSON.parse(readFileSync(direct, 'utf8')).images, JSON.parse(readFileSync(have, 'utf8')).images);
      }
      // local never calls a loaded image pulled (the containerd store gives loaded images repo digests too).
      const local = json(stowage(['local', '--json'], { env })).images.find((i: any) => i.tags.includes('stowage-example/app:2'));
      assert.notEqual(local.arrival.how, 'pulled', JSON.stringify(local.arrival));
      if (e.store === 'containerd') {
        assert.equal(local.arrival.how, 'loaded-or-imported', JSON.stringify(local.arrival));
        assert.ok(local.lastTagged && Date.now() - Date.parse(local.lastTagged.time) < 10 * 60_000, 'the last tag time is the load');
      }
    });

    it('edit --thin loads beside the original, with the new config', () => {
      reset();
      e.docker(['load', '-q', '-i', APP2]);
      const out = join(dir, `thin-${e.store}.tar`);
      const r = stowage(['edit', APP2, '-o', out, '--thin', '--tag', `stowage-paths/edited:${token}`, '--label', `edited=${token}`]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(stowage(['verify', out]).status, 0, 'verify reports the left-out layers as thin');
      e.docker(['load', '-q', '-i', out]);
      const info = JSON.parse(e.docker(['image', 'inspect', `stowage-paths/edited:${token}`]))[0];
      assert.equal(info.Config.Labels.edited, token);
    });

    it('apply -o docker-daemon: loads the rebuilt image; copy from docker-daemon: gives back the same config', () => {
      reset();
      const delta = join(dir, `d-${e.store}.tar`);
      assert.equal(stowage(['delta', APP2, '--base', APP1, '-o', delta, '-q']).status, 0);
      const a = stowage(['apply', delta, '--base', APP1, '-o', 'docker-daemon:'], { env });
      assert.equal(a.status, 0, a.stderr);
      const config = json(stowage(['inspect', '--json', APP2])).images[0].imageId;
      const back = join(dir, `back-${e.store}.tar`);
      const c = stowage(['copy', 'docker-daemon:stowage-example/app:2', back], { env });
      assert.equal(c.status, 0, c.stderr);
      assert.equal(json(stowage(['inspect', '--json', back])).images[0].imageId, config);
      const to = stowage(['copy', APP1, `docker-daemon:stowage-paths/copied:${token}`], { env });
      assert.equal(to.status, 0, to.stderr);
      assert.deepEqual(JSON.parse(e.docker(['image', 'inspect', `stowage-paths/copied:${token}`]))[0].RootFS.Layers,
        json(stowage(['inspect', '--json', APP1])).images[0].layers.map((l: any) => l.diffId));
      reset();
    });
  });
}

