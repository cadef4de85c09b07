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
import { DOCKER_HOST, DOCKER_SKIP, docker, haveDocker } from '../helpers/peers.js';

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

  it('removes the images and tags a run made in the engine, and only those', { skip: haveDocker() ? false : DOCKER_SKIP }, () => {
    const dir = scratch('stowage-runner-engine-');
    mkdirSync(join(dir, 'dist/test'), { recursive: true });
    const tag = `stowage-runner-test/made:${process.pid}`;
    writeFileSync(join(dir, 'dist/test/engine.test.js'), `
import { it } from 'node:test';
import { execFileSync } from 'node:child_process';
it('makes an image', () => {
  const tar = execFileSync('tar', ['-c', '--files-from', '/dev/null']);
  execFileSync('docker', ['import', '-m', String(Date.now() + Math.random()), '-', ${JSON.stringify(tag)}], { input: tar, env: { ...process.env, DOCKER_HOST: ${JSON.stringify(DOCKER_HOST)} } });
});
`);
    const before = docker(['images', '-aq', '--no-trunc']).split('\n').filter(Boolean).sort();
    const env: NodeJS.ProcessEnv = { ...process.env, STOWAGE_DOCKER_HOST: DOCKER_HOST };
    delete env.NODE_TEST_CONTEXT;
    delete env.STOWAGE_KEEP_TEST_IMAGES;
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/run-tests.mjs')], { cwd: dir, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /engine: removed 1 tags and 1 images the tests made/);
    assert.deepEqual(docker(['images', '-aq', '--no-trunc']).split('\n').filter(Boolean).sort(), before);
    assert.equal(docker(['images', '-q', tag]).trim(), '');
  });
});
