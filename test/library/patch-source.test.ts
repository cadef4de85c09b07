/**
 * A patch delta opens through openSource like any source (issue 19): the images it rebuilds, with the target's
 * configs, and the layers it ships whole; the layers a base provides read as absent, saying why. Only the operations
 * that take a delta as such ask for it; every other command is refused in one line that names `stowage apply`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { openSource, patchDeltaOf, StowageError, writePatchDelta } from '../../src/index.js';
import { oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';

const tmp = scratch('stowage-patch-source-');
const delta = join(tmp, 'app-2.patch');
const v1 = join(EXAMPLES, 'app-1.tar');
const v2 = join(EXAMPLES, 'app-2.tar');

async function sha256(chunks: AsyncIterable<Buffer>): Promise<string> {
  const h = createHash('sha256');
  for await (const c of chunks) h.update(c);
  return `sha256:${h.digest('hex')}`;
}

describe('a patch delta as a source', () => {
  before(async () => {
    const [t, b] = [await openSource(v2, { seekable: true }), await openSource(v1, { seekable: true })];
    try {
      await writePatchDelta([t], [b], delta);
    } finally {
      await t.close();
      await b.close();
    }
  });

  it('lists the images it rebuilds with the target\'s config, and reads the layer it ships whole', async () => {
    const [src, target] = [await openSource(delta, { also: ['patch-delta'] }), await openSource(v2)];
    try {
      assert.equal(src.format, 'patch-delta');
      assert.ok(patchDeltaOf(src), 'the delta itself travels with the source');
      assert.equal(patchDeltaOf(target), undefined);
      const [img, want] = [src.images[0]!, target.images[0]!];
      assert.deepEqual(img.tags, want.tags);
      // The image ID is the sha256 of the config bytes: computed here from the bytes, not taken from stowage.
      assert.equal(`sha256:${createHash('sha256').update(img.config.bytes).digest('hex')}`, want.config.digest);
      assert.deepEqual(img.layers.map((l) => l.diffId), want.layers.map((l) => l.diffId));
      const layers = src.layers(img);
      const shipped = layers.filter((l) => l.present);
      assert.ok(shipped.length >= 1, 'app-2 ships its changed layer whole');
      for (const l of shipped) assert.equal(await sha256(l.uncompressed()), l.diffId, 'the whole layer is the target\'s tar');
      const absent = layers.find((l) => !l.present)!;
      assert.throws(() => absent.uncompressed(), (e: Error) => e instanceof StowageError && /stowage apply makes it from a base/.test(e.message));
    } finally {
      await src.close();
      await target.close();
    }
  });

  it('is refused by an operation that does not take deltas, naming stowage apply', async () => {
    await assert.rejects(openSource(delta), (e: Error) => e instanceof StowageError && e.message.includes(`stowage apply ${delta} --base BASE -o DEST`));
  });

  it('commands that read images refuse it in one line and write nothing; the delta commands read it, from standard input too', () => {
    const out = join(tmp, 'copied');
    const r = stowage(['copy', delta, `oci:${out}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /a stowage patch delta .*stowage apply/);
    assert.equal(existsSync(out), false);
    for (const args of [['export', delta, '-o', join(tmp, 'x.tar')], ['layers', delta], ['edit', delta, '--label', 'a=b', '-o', join(tmp, 'e.tar')]]) {
      const x = stowage(args);
      assert.equal(x.status, 1, args.join(' '));
      assert.match(oneLineError(x), /stowage apply/);
    }
    const v = stowage(['verify', '-'], { input: readFileSync(delta) });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^OK: \d+ blobs? hashed against their names/m);
    const i = stowage(['inspect', '-', '--json'], { input: readFileSync(delta) });
    assert.equal(i.status, 0, i.stderr);
    assert.equal(JSON.parse(i.stdout).images[0].imageId, JSON.parse(stowage(['inspect', v2, '--json']).stdout).images[0].imageId);
  });
});
