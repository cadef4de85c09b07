/**
 * `stowage squash` on crafted images, no peer needed: what the merged layer holds on a base (whiteouts kept,
 * opaque markers added), hard links into the base, the config and history it writes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { imageArchive } from '../helpers/build-image.js';
import { dir, file, hardlink, tarOf, whiteout, type LayerEntry } from '../helpers/build-layer.js';
import { tarEntries } from '../helpers/tar-entries.js';

const tmp = scratch('stowage-fs-squash-crafted-');
let n = 0;

async function archiveOf(layers: LayerEntry[][]): Promise<string> {
  const path = join(tmp, `img${++n}.tar`);
  await imageArchive(path, await Promise.all(layers.map((l) => tarOf(l))));
  return path;
}

/** The entries (name, type, linkname) of the top layer of a squashed docker archive. */
async function topLayer(archive: string): Promise<{ name: string; type: string; linkname: string }[]> {
  const dir0 = scratch('stowage-fs-unpack-');
  const { execFileSync } = await import('node:child_process');
  execFileSync('tar', ['-xf', archive, '-C', dir0]);
  const manifest = JSON.parse(readFileSync(join(dir0, 'manifest.json'), 'utf8'));
  const layers: string[] = manifest[0].Layers;
  return tarEntries(join(dir0, layers[layers.length - 1]!)).map(({ name, type, linkname }) => ({ name, type, linkname }));
}

describe('stowage squash on crafted layers', () => {
  it('on a base: whiteouts of base files are kept; a directory deleted then made again gets an opaque marker', async () => {
    const img = await archiveOf([
      [dir('keep'), file('keep/x', 'x'), dir('d'), file('d/old', 'old'), file('gone', 'g')],
      [whiteout('gone'), whiteout('d')],
      [dir('d'), file('d/new', 'new')],
    ]);
    const out = join(tmp, 'last2.tar');
    const r = json(stowage(['squash', img, '--last', '2', '-o', out, '--json']));
    assert.equal(r.kept, 1);
    const names = (await topLayer(out)).map((e) => e.name);
    assert.deepEqual(names.sort(), ['.wh.gone', 'd/', 'd/.wh..wh..opq', 'd/new'].sort());
  });

  it('without a base: no whiteout is written, and the history folds into one entry that keeps the others', async () => {
    const img = await archiveOf([[file('a', 'a')], [whiteout('a'), file('b', 'b')]]);
    const out = join(tmp, 'all.tar');
    const r = json(stowage(['squash', img, '-o', out, '--json']));
    assert.equal(r.after.layers, 1);
    assert.deepEqual((await topLayer(out)).map((e) => e.name), ['b']);
    const inspect = json(stowage(['inspect', '--json', out])).images[0];
    assert.equal(inspect.layers[0].history.createdBy, 'stowage squash: 2 layers merged into one');
    assert.deepEqual(JSON.parse(inspect.layers[0].history.comment).map((h: any) => h.created_by), ['layer 1', 'layer 2']);
  });

  it('a hard link to a base file stays a link to it; one whose base target a merged layer replaced is refused', async () => {
    const kept = await archiveOf([[file('T', 'base')], [hardlink('A', 'T')], [file('other', 'o')]]);
    const out = join(tmp, 'link-base.tar');
    assert.equal(stowage(['squash', kept, '--last', '2', '-o', out]).status, 0);
    assert.deepEqual((await topLayer(out)).filter((e) => e.name === 'A'), [{ name: 'A', type: 'hardlink', linkname: 'T' }]);

    const replaced = await archiveOf([[file('T', 'base')], [hardlink('A', 'T')], [file('T', 'new')]]);
    const r = stowage(['squash', replaced, '--last', '2', '-o', join(tmp, 'never.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /hard link "A" points to "T" of the base, which a layer above replaces; squash more layers/);
    // Squashing every layer gives A the base content.
    assert.equal(stowage(['squash', replaced, '-o', join(tmp, 'all-links.tar')]).status, 0);

    // A link no one sees any more needs nothing from the base.
    const hiddenLink = await archiveOf([[file('T', 'base')], [hardlink('A', 'T')], [file('T', 'new'), file('A', 'own')]]);
    assert.equal(stowage(['squash', hiddenLink, '--last', '2', '-o', join(tmp, 'hidden.tar')]).status, 0);
  });
});
