/**
 * Issue 13 defect 9: the test command's summary counted a skipped suite as nothing ("5 skipped" when 59 tests did
 * not run). scripts/run-tests.mjs on a small test file: the tests of a skipped suite are counted as skipped, by
 * node's own summary and by the closing line; a skipped suite's hooks do not run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, scratch } from '../helpers/paths.js';

describe('scripts/run-tests.mjs', () => {
  it('counts every test of a skipped suite, and ends with "N passed, N failed, N skipped"', () => {
    const dir = scratch('stowage-runner-');
    mkdirSync(join(dir, 'dist/test'), { recursive: true });
    writeFileSync(join(dir, 'dist/test/sample.test.js'), `
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
describe('needs a peer', { skip: 'no peer here' }, () => {
  before(() => { throw new Error('a skipped suite ran its hook'); });
  it('one', () => { throw new Error('ran'); });
  it('two', () => { throw new Error('ran'); });
  describe('nested', () => { it('three', () => { throw new Error('ran'); }); });
});
describe('runs', () => {
  it('passes', () => {});
  it('skips itself', { skip: 'not today' }, () => {});
  it('fails', () => { assert.equal(1, 2); });
});
`);
    // As from a shell: without the variable node:test sets in the processes it runs (which stops nested runs).
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/run-tests.mjs')], { cwd: dir, encoding: 'utf8', env });
    assert.equal(r.status, 1, `a failing test fails the run: ${r.status} ${r.stdout} ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[lines.length - 1], '1 passed, 1 failed, 4 skipped', r.stdout);
    assert.match(r.stdout, /ℹ skipped 4\n/, 'node\'s own count agrees');
    assert.doesNotMatch(r.stdout + r.stderr, /a skipped suite ran its hook|Error: ran/);
  });
});
