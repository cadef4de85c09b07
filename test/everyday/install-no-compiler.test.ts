/**
 * Issue 23: the npm package installs and works with no compiler and no install scripts, on the Node.js running
 * this test (CI runs it on every tested line). From a fresh clone of HEAD: `npm pack`, then `npm install -g
 * --ignore-scripts` of the tarball into a temporary prefix with a PATH that holds only `node` (no python3, make,
 * g++ or cc), so zstd-napi is not built and patch deltas go through wasm/zstd.wasm: the installed stowage answers
 * --version, makes a patch delta of the bundled examples the same (but its creation time) as this checkout does,
 * and applies it back to the very image.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, ROOT, scratch } from '../helpers/paths.js';
import { haveCommand } from '../helpers/peers.js';

const skip = !haveCommand('git') ? 'git is not installed' : !haveCommand('npm') ? 'npm is not installed (it comes with Node.js)' : false;
const dir = scratch('stowage-install-');
const bare = join(dir, 'bare-bin');
const prefix = join(dir, 'prefix');
let tarball: string;

const quiet = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env: { ...env, ...quiet }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString();
}
/** Runs with PATH holding nothing but this test's node. */
function bareRun(cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const env = { HOME: dir, PATH: bare, STOWAGE_NO_PROGRESS: '1', npm_config_cache: join(process.env.HOME ?? '/root', '.npm'), ...quiet, ...extra };
  const r = spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  if (skip) return;
  const clone = join(dir, 'clone');
  sh('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], dir);
  sh('npm', ['ci', '--prefer-offline', '--silent', '--ignore-scripts'], clone);
  const packed = sh('npm', ['pack', '--silent', '--pack-destination', dir], clone).trim().split('\n').pop()!;
  tarball = join(dir, packed);
  mkdirSync(bare, { recursive: true });
  symlinkSync(process.execPath, join(bare, 'node'));
});

describe(`npm install -g --ignore-scripts with no compiler, on Node.js ${process.versions.node.split('.')[0]}`, { skip }, () => {
  it('ships wasm/zstd.wasm and its licence', () => {
    const files = sh('tar', ['-tzf', tarball], dir).trim().split('\n');
    assert.ok(files.includes('package/wasm/zstd.wasm'));
    assert.ok(files.includes('package/wasm/zstd-LICENSE'));
    const packedWasm = execFileSync('tar', ['-xOzf', tarball, 'package/wasm/zstd.wasm'], { maxBuffer: 16 << 20 });
    assert.ok(packedWasm.equals(readFileSync(join(ROOT, 'wasm/zstd.wasm'))));
  });

  it('installs, runs, and makes and applies patch deltas through the WebAssembly zstd', { timeout: 600_000 }, () => {
    for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3']) assert.notEqual(bareRun('sh', ['-c', `command -v ${tool}`]).status, 0, `${tool} must not be on PATH`);
    const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim());
    const inst = bareRun(process.execPath, [npmCli, 'install', '--global', '--ignore-scripts', '--prefer-offline', '--silent', '--prefix', prefix, tarball]);
    assert.equal(inst.status, 0, inst.stderr);
    const pkgDir = join(prefix, 'lib', 'node_modules', 'stowage');
    assert.ok(!existsSync(join(pkgDir, 'node_modules', 'zstd-napi', 'build')), 'zstd-napi was not built');
    const bin = join(prefix, 'bin', 'stowage');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = bareRun(bin, ['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);
    // The native addon is not there: asking for it says so in one line.
    const nat = bareRun(bin, ['delta', join(EXAMPLES, 'app-2.tar'), '--base', join(EXAMPLES, 'app-1.tar'), '--patch', '-o', join(dir, 'n.patch')], { STOWAGE_ZSTD: 'native' });
    assert.equal(nat.status, 1);
    assert.match(oneLineError(nat), /STOWAGE_ZSTD=native: the zstd-napi module did not load/);
    assert.ok(!existsSync(join(dir, 'n.patch')));

    const patch = join(dir, 'installed.patch');
    const d = bareRun(bin, ['delta', join(EXAMPLES, 'app-2.tar'), '--base', join(EXAMPLES, 'app-1.tar'), '--patch', '-o', patch, '-q']);
    assert.equal(d.status, 0, d.stderr);
    const ours = join(dir, 'checkout.patch');
    assert.equal(stowage(['delta', join(EXAMPLES, 'app-2.tar'), '--base', join(EXAMPLES, 'app-1.tar'), '--patch', '-o', ours, '-q']).status, 0);
    const blobs = (f: string) => sh('tar', ['tvf', f], dir).split('\n').filter((l) => l.includes('blobs/'));
    assert.deepEqual(blobs(patch), blobs(ours), 'the same patch blobs, byte for byte (named by digest)');

    const out = join(dir, 'applied.tar');
    const a = bareRun(bin, ['apply', patch, '--base', join(EXAMPLES, 'app-1.tar'), '-o', out, '-q']);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(bareRun(bin, ['digest', out]).stdout.trim(), stowage(['digest', join(EXAMPLES, 'app-2.tar')]).stdout.trim());
    const insp = bareRun(bin, ['inspect', out, '--json']);
    assert.equal(JSON.parse(insp.stdout).images[0].imageId, JSON.parse(stowage(['inspect', join(EXAMPLES, 'app-2.tar'), '--json']).stdout).images[0].imageId);
  });
});
