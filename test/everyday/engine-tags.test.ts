/**
 * Issue 13 defect 3: `edit docker-daemon:app:2 -o docker-daemon:` moved the tag app:2 in silence and printed
 * `wrote docker-daemon::`. Now every load into the engine says what each tag names and what it named before, checked
 * against what the real engine reports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { json, stowage } from '../helpers/cli.js';
import { EXAMPLES } from '../helpers/paths.js';
import { DOCKER_HOST, DOCKER_SKIP, docker, dockerInspect, haveDocker } from '../helpers/peers.js';

const TAG = 'stowage-e2e/everyday-tags:1';
const NEW = 'stowage-e2e/everyday-tags:new';
const env = { DOCKER_HOST };
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

describe('a load into the engine says which tags it set and moved (defect 3)', { skip: haveDocker() ? false : DOCKER_SKIP }, () => {
  let original: string;
  before(() => {
    docker(['load', '-q', '-i', join(EXAMPLES, 'app-2.tar')]);
    docker(['tag', 'stowage-example/app:2', TAG]);
    original = dockerInspect(TAG).Id;
  });
  after(() => {
    // Leave the engine as it was found: this file's tags and the images only they named.
    for (const t of [TAG, NEW]) docker(['rmi', '-f', t]);
  });

  it('edit docker-daemon:TAG -o docker-daemon: names the tag it moved and the image it named before', () => {
    const r = stowage(['edit', `docker-daemon:${TAG}`, '-o', 'docker-daemon:', '--label', 'x=y'], { env });
    assert.equal(r.status, 0, r.stderr);
    const now = dockerInspect(TAG).Id;
    assert.notEqual(now, original);
    assert.doesNotMatch(r.stderr, /docker-daemon::/);
    assert.match(r.stderr, new RegExp(`tagged ${TAG} -> ${short(now)} \\(moved: it named ${short(original)} before`));
    const j = json(stowage(['edit', `docker-daemon:${TAG}`, '-o', 'docker-daemon:', '--label', 'x=z', '--json'], { env }));
    assert.deepEqual(j.written.tagged, [{ tag: TAG, before: now, after: dockerInspect(TAG).Id }]);
  });

  it('a new tag is said to be new; copy and apply say the same', () => {
    const r = stowage(['edit', `docker-daemon:${TAG}`, '-o', `docker-daemon:${NEW}`, '--label', 'n=1'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`tagged ${NEW} -> ${short(dockerInspect(NEW).Id)} \\(a new tag\\)`));
    const before = dockerInspect(NEW).Id;
    const c = json(stowage(['copy', join(EXAMPLES, 'app-2.tar'), 'docker-daemon:', '--json'], { env }));
    assert.deepEqual(c.tagged.map((t: { tag: string }) => t.tag), ['stowage-example/app:2']);
    const again = stowage(['copy', `docker-daemon:${NEW}`, `docker-daemon:${NEW}`], { env });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`tagged ${NEW} -> ${short(before)} \\(unchanged`));
  });
});
