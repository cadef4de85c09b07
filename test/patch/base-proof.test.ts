/**
 * A base layer apply takes whole (by ChainID) into one output file is proved by the copy that writes it (one hash,
 * on the copy threads: src/ops/apply.ts `provedByCopy`), for a patch delta and a thin delta alike: a base whose
 * layer bytes were changed (same size, the config's DiffID no longer theirs) is refused in one line naming the
 * layer and its DiffIDs, exit 1, and nothing stands under the output's name; the true base rebuilds the target.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { imageArchive } from '../helpers/build-image.js';
import { files as entriesOf, tarOf } from '../helpers/build-layer.js';
import { text } from '../hostile/patch-craft.js';

const dir = scratch('stowage-base-proof-');
const p = (n: string) => join(dir, n);
const MARK = 'kept-layer-marker-0123456789';

before(async () => {
  const kept = await tarOf(entriesOf({ 'etc/kept.txt': `${MARK}\n${text('kept', 200)}` }));
  const app = (v: number) => tarOf(entriesOf({ 'srv/app.txt': text(`app${v > 1 ? ' v2' : ''}`, 300) }));
  await imageArchive(p('v1.tar'), [kept, await app(1)], { tag: 'proof/app:1' });
  await imageArchive(p('v2.tar'), [kept, await app(2)], { tag: 'proof/app:2' });
  // The same base with one byte of the kept layer's file changed: same sizes, another DiffID.
  const b = readFileSync(p('v1.tar'));
  const at = b.indexOf(MARK);
  assert.ok(at > 0);
  b[at] ^= 0x20;
  writeFileSync(p('v1-changed.tar'), b);
});

describe('apply: a base layer taken whole is proved by its copy', () => {
  for (const kind of ['patch', 'thin'] as const) {
    it(`${kind} delta: the true base rebuilds the target; a changed one is refused in one line, nothing written`, () => {
      const d = p(`${kind}.delta`);
      const r = stowage(['delta', p('v2.tar'), '--base', p('v1.tar'), ...(kind === 'patch' ? ['--patch'] : []), '-o', d]);
      assert.equal(r.status, 0, r.stderr);
      const ok = stowage(['apply', d, '--base', p('v1.tar'), '-o', p(`${kind}-out.tar`)]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(stowage(['digest', p(`${kind}-out.tar`)]).stdout, stowage(['digest', p('v2.tar')]).stdout);
      assert.equal(stowage(['diff', p('v2.tar'), p(`${kind}-out.tar`)]).status, 0);
      const bad = stowage(['apply', d, '--base', p('v1-changed.tar'), '-o', p(`${kind}-bad.tar`)]);
      assert.equal(bad.status, 1);
      const lines = bad.stderr.trim().split('\n');
      assert.equal(lines.length, 1, bad.stderr);
      assert.match(lines[0]!, /^stowage: layer 1 of \S*proof\/app:2: DiffID is sha256:[0-9a-f]{64}, but the config says sha256:[0-9a-f]{64}/);
      assert.ok(!existsSync(p(`${kind}-bad.tar`)));
    });
  }
});
