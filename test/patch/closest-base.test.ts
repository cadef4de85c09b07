/**
 * delta --patch against several bases (issue 24): a release bundle made for sites at v1 and at v2 codes each file of
 * v3 against the closest base's copy, whatever order the bases are given in. Before, the last base holding a path
 * won, so v3 against v2 then v1 was coded against v1's older files (142 kB where 116 kB would do).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { imageArchive } from '../helpers/build-image.js';
import { files as entriesOf, tarOf } from '../helpers/build-layer.js';
import { text } from '../hostile/patch-craft.js';

const dir = scratch('stowage-closest-');
const p = (n: string) => join(dir, n);

/** Version `v` of 60 files: v2 rewrites every third line of v1's, v3 changes one line of v2's. */
function files(v: 1 | 2 | 3): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < 60; i++) {
    let t = text(`file${i}`, 400);
    if (v >= 2) t = t.split('\n').map((l, k) => (k % 3 === 0 ? text(`v2-${i}-${k}`, 1).trimEnd() : l)).join('\n');
    if (v === 3) t = t.replace(' line 11 ', ' line eleven ');
    out[`srv/app/module-${i}.txt`] = t;
  }
  return out;
}

before(async () => {
  for (const v of [1, 2, 3] as const) await imageArchive(p(`v${v}.tar`), [await tarOf(entriesOf(files(v)))], { tag: `closest/app:${v}` });
});

describe('delta --patch with several bases', () => {
  it('codes each file against the closest base, in whichever order the bases come', () => {
    const size = (bases: string[]) => {
      const r = json(stowage(['delta', p('v3.tar'), ...bases.flatMap((b) => ['--base', p(b)]), '--patch', '-o', p(`d-${bases.join('-')}.patch`), '--json']));
      assert.equal(r.layers[0].how, 'patch');
      return r.archiveBytes as number;
    };
    const v2Only = size(['v2.tar']);
    const v1Only = size(['v1.tar']);
    const v1First = size(['v1.tar', 'v2.tar']);
    const v2First = size(['v2.tar', 'v1.tar']);
    assert.ok(v1Only > 2 * v2Only, `v2 is the closer base: ${v1Only} against v1, ${v2Only} against v2`);
    // Either order codes against v2 (a few bytes differ: the patch names v2's entries by other numbers).
    for (const [what, n] of [['v1 then v2', v1First], ['v2 then v1', v2First]] as const) {
      assert.ok(n <= v2Only + 1024, `${what}: ${n} bytes, against v2 alone ${v2Only}`);
    }
    // And the patches rebuild v3 from the two bases, bit for bit.
    for (const d of ['d-v1.tar-v2.tar.patch', 'd-v2.tar-v1.tar.patch']) {
      const a = json(stowage(['apply', p(d), '--base', p('v1.tar'), '--base', p('v2.tar'), '-o', p(`${d}.out.tar`), '--json']));
      assert.equal(a.images[0].patched, 1);
      assert.equal(stowage(['diff', p('v3.tar'), p(`${d}.out.tar`)]).status, 0);
    }
  });
});
