/**
 * Issue 13 defect 8: the npm package, as a user gets it. From a fresh `git clone` of this checkout's HEAD: `npm ci`,
 * `npm pack` (whose prepack builds dist/), then `npm install -g` of the tarball into a temporary prefix; the installed
 * `stowage` answers --version and writes a delta of the bundled examples that inspects as the source tree's CLI
 * says. The tarball carries LICENSE and no source maps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { EXAMPLES, ROOT, scratch } from '../helpers/paths.js';
import { haveCommand } from '../helpers/peers.js';

const skip = !haveCommand('git') ? 'git is not installed' : !haveCommand('npm') ? 'npm is not installed (it comes with Node.js)' : false;

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, { cwd, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString();
}

describe('the npm package from a fresh clone (defect 8)', { skip }, () => {
  it('packs dist/ with LICENSE and no source maps, installs globally, and runs --version and a delta', { timeout: 600_000 }, () => {
    const dir = scratch('stowage-pack-');
    const clone = join(dir, 'clone');
    sh('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], dir);
    assert.ok(!existsSync(join(clone, 'dist')), 'a fresh clone has no dist/');
    sh('npm', ['ci', '--prefer-offline', '--silent'], clone);
    const packed = sh('npm', ['pack', '--silent', '--pack-destination', dir], clone).trim().split('\n').pop()!;
    const tarball = join(dir, packed);
    const files = sh('tar', ['-tzf', tarball], dir).trim().split('\n');
    assert.ok(files.includes('package/dist/src/cli/main.js'), 'the CLI is packed');
    assert.ok(files.includes('package/LICENSE'), 'LICENSE is packed');
    assert.match(readFileSync(join(clone, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps pointing at sources not shipped');
    assert.deepEqual(files.filter((f) => f.startsWith('package/dist/test/')), [], 'no tests');

    const prefix = join(dir, 'prefix');
    sh('npm', ['install', '--global', '--prefer-offline', '--silent', '--prefix', prefix, tarball], dir);
    const bin = join(prefix, 'bin', 'stowage');
    assert.ok(existsSync(bin), 'npm install -g gives a stowage command');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(sh(bin, ['--version'], dir).trim(), pkg.version);

    const out = join(dir, 'app-2.delta.tar');
    sh(bin, ['delta', join(EXAMPLES, 'app-2.tar'), '--base', join(EXAMPLES, 'app-1.tar'), '-o', out, '-q'], dir);
    const delta = json(stowage(['inspect', out, '--json']));
    const full = json(stowage(['inspect', join(EXAMPLES, 'app-2.tar'), '--json']));
    assert.equal(delta.images[0].imageId, full.images[0].imageId);
    const check = stowage(['check', out, '--have', '/dev/null']);
    assert.notEqual(check.status, 0, 'the delta relies on the base: it is thin');
    assert.ok(readFileSync(out).length < readFileSync(join(EXAMPLES, 'app-2.tar')).length / 5, 'the delta leaves the base layers out');
  });
});
