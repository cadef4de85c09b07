/**
 * scripts/check-cycles.mjs (issue 19: a script fails when a file of src/ imports a file that imports it back,
 * directly or around a loop): run on small trees written here, one with known cycles of each kind and one without.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, scratch } from '../helpers/paths.js';

const SCRIPT = join(ROOT, 'scripts/check-cycles.mjs');

function tree(files: Record<string, string>): string {
  const dir = scratch('stowage-cycles-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'src', name)), { recursive: true });
    writeFileSync(join(dir, 'src', name), text);
  }
  return dir;
}

function check(dir: string, arg = 'src') {
  const r = spawnSync(process.execPath, [SCRIPT, arg], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/check-cycles.mjs', () => {
  it('finds a loop of value imports, a type-only one, a self import and one through an index file; exits 1', () => {
    const dir = tree({
      'a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'b.ts': "import {\n  c,\n} from './c.js';\nexport const b = c;\n",
      'c.ts': "export { a as x } from './a.js';\nexport const c = 1;\n",
      'd.ts': "import { a } from './a.js';\nexport const d = a;\n", // imports the loop, is not in it
      'e.ts': "import type { F } from './f.js';\nexport type E = F;\n",
      'f.ts': "import { type E } from './e.js';\nexport type F = string | E[];\n",
      'g.ts': "import './g.js';\n",
      // A commented-out import, one in a string and a dynamic one are no imports: h and i are no loop.
      'h.ts': "// import { i } from './i.js';\n/* import { i } from './i.js'; */\nexport const s = \"import { i } from './i.js'\";\nexport const later = () => import('./i.js');\n",
      'i.ts': "import { s } from './h.js';\nexport const i = s;\n",
      'k.ts': "import { j } from './lib';\nexport const k = j;\n",
      'lib/index.ts': "import { k } from '../k.js';\nexport const j = () => k;\n",
      'z.ts': "import { readFileSync } from 'node:fs';\nimport { d } from './d.js';\nexport const z = [d, readFileSync];\n",
    });
    const r = check(dir);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines, [
      'cycle 1 (3 files: src/a.ts, src/b.ts, src/c.ts):',
      '  src/a.ts -> src/b.ts -> src/c.ts -> src/a.ts',
      'cycle 2 (1 file: src/g.ts):',
      '  src/g.ts -> src/g.ts',
      'cycle 3 (2 files: src/k.ts, src/lib/index.ts):',
      '  src/k.ts -> src/lib/index.ts -> src/k.ts',
      'cycle 4, through type imports (2 files: src/e.ts, src/f.ts):',
      '  src/e.ts -(type)-> src/f.ts -(type)-> src/e.ts',
      'check-cycles: 4 import cycles among the 12 files of src (3 of value imports, 1 through type imports)',
    ]);
  });

  it('passes a tree whose imports flow one way', () => {
    const dir = tree({
      'oci/digest.ts': 'export const sha = 1;\n',
      'image/model.ts': "import type { X } from '../oci/types.js';\nimport { sha } from '../oci/digest.js';\nexport const m: X | number = sha;\n",
      'oci/types.ts': 'export type X = string;\n',
      'cli/main.ts': "import { m } from '../image/model.js';\nexport { m };\n",
    });
    const r = check(dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, 'check-cycles: no import cycles among the 4 files of src\n');
  });

  it('refuses a directory that is not there in one line, exit 2', () => {
    const r = check(scratch('stowage-cycles-'), 'nope');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'check-cycles: nope: not a directory\n');
  });
});
