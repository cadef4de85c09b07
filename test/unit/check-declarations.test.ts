/**
 * scripts/check-declarations.mjs (docs/DEVELOPING.md: a suite's body only declares tests): it finds work done while
 * tests are declared in small test files written here, passes what only names things and probes for peers, and the
 * project's own test tree passes it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, scratch } from '../helpers/paths.js';

const SCRIPT = join(ROOT, 'scripts/check-declarations.mjs');

function check(files: Record<string, string>): { status: number | null; stdout: string } {
  const dir = scratch('stowage-declarations-');
  mkdirSync(join(dir, 't'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 't', name), text);
  const r = spawnSync(process.execPath, [SCRIPT, 't'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

describe('scripts/check-declarations.mjs', () => {
  it('finds a CLI run, a file written and input made at the top level and in describe bodies; exits 1', () => {
    const r = check({
      'a.test.ts': [
        "import { describe, it } from 'node:test';",
        "const dir = scratch('x');",
        "writeFileSync(join(dir, 'f'), 'x');",
        "describe('s', () => {",
        "  const img = inspect(join(dir, 'a.tar'));",
        "  for (const k of list(dir)) it(k, () => {});",
        "  it('t', () => { run(); });",
        '});',
      ].join('\n'),
    });
    assert.equal(r.status, 1);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/ while .*/, '')), [
      't/a.test.ts:3: runs writeFileSync(join(dir, \'f\'), \'x\');',
      't/a.test.ts:5: img is computed by inspect',
      't/a.test.ts:6: a loop or if over what list computes',
    ]);
  });

  it('finds work in any element of a list, not only the first (a walk that stopped at its first child missed it)', () => {
    const r = check({
      'c.test.ts': [
        "import { it } from 'node:test';",
        "const LIST = [join('a'), inspect('b.tar')];",
        "it('t', () => {});",
      ].join('\n'),
    });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /c\.test\.ts:2: LIST is computed by inspect/);
  });

  it('passes names, scratch folders, peer probes, hooks doing the work, and loops declaring tests', () => {
    const r = check({
      'b.test.ts': [
        "import { before, describe, it } from 'node:test';",
        "const dir = scratch('x');",
        "const token = randomBytes(4).toString('hex');",
        "const SKIP = haveCommand('zstd') ? false : 'no zstd';",
        'let pw;',
        "try {\n  pw = await import('playwright-core');\n} catch {\n  pw = undefined;\n}",
        "describe('s', { skip: SKIP }, () => {",
        '  let img;',
        "  before(() => { img = inspect(join(dir, 'a.tar')); writeFileSync(join(dir, 'f'), 'x'); });",
        "  for (const k of ['a', 'b']) it(k, () => { run(img, k); });",
        '});',
      ].join('\n'),
    });
    assert.equal(r.status, 0, r.stdout);
  });

  it('the project\'s test tree passes', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout);
  });
});
