/**
 * Adding a transport is one entry (docs/DEVELOPING.md): a toy transport from the test tree, registered at run time,
 * copies an image in and out through the library, and inherits the write pipeline's proof without writing any.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { copyImages, openSource, registerTransport, StowageError, verify } from '../../src/index.js';
import { ociLayout, sha, smallLayer, entry, END, gz } from '../hostile/craft.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { toy } from '../helpers/toy-transport.js';

const tmp = scratch('stowage-toy-');

describe('a transport added from outside src/ (toy:)', () => {
  before(() => registerTransport(toy));

  it('copies an image into a toy box and out again, every identity kept', async () => {
    await copyImages(join(EXAMPLES, 'app-1.tar'), `toy:${tmp}/app`);
    assert.ok(existsSync(join(tmp, 'app.box')));
    const r = await copyImages(`toy:${tmp}/app`, `oci:${tmp}/out:1`);
    assert.equal(r.images.length, 1);
    const [a, b] = [await openSource(join(EXAMPLES, 'app-1.tar')), await openSource(`oci:${tmp}/out:1`)];
    try {
      assert.equal(b.images[0]!.config.digest, a.images[0]!.config.digest, 'same image ID');
      assert.deepEqual(b.images[0]!.layers.map((l) => l.diffId), a.images[0]!.layers.map((l) => l.diffId));
      const v = await verify(b);
      assert.equal(v.ok, true, JSON.stringify(v.problems ?? v));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a tampered layer without a line of proof in the transport: nothing in the box', async () => {
    const dir = join(tmp, 'bad-src');
    const real = Buffer.concat([entry({ name: 'a.txt' }, 'real\n'), END]);
    const other = Buffer.concat([entry({ name: 'a.txt' }, 'fake\n'), END]);
    ociLayout(dir, [smallLayer(), { tar: other, stored: gz(other) }], { diffIds: [sha(smallLayer().tar), sha(real)] });
    await assert.rejects(copyImages(`oci:${dir}:1`, `toy:${tmp}/bad`), (e: unknown) => e instanceof StowageError && /DiffID/.test(e.message));
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('bad')), ['bad-src'], 'no box, no staging file');
  });
});
