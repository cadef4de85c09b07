/**
 * `stowage plugin install`: the shim it writes is found and run by the real Docker CLI (docker.io's `docker`, with
 * DOCKER_CONFIG pointed at a fresh folder): `docker help` lists stowage with its description, `docker stowage
 * --version` and `docker stowage inspect` run this stowage, and the metadata follows Docker's plugin protocol.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { skipUnless } from '../helpers/peers.js';

const dir = scratch('stowage-plugin-');
const config = join(dir, 'docker-config');
let version: string;

function docker(args: string[]) {
  const r = spawnSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: config, STOWAGE_NO_PROGRESS: '1' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  version = stowage(['--version']).stdout.trim();
  const r = stowage(['plugin', 'install'], { env: { DOCKER_CONFIG: config } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /docker-stowage/);
});

describe('stowage as a Docker CLI plugin', () => {
  it('writes an executable docker-stowage into $DOCKER_CONFIG/cli-plugins answering the metadata call', () => {
    const shim = join(config, 'cli-plugins', 'docker-stowage');
    assert.ok(statSync(shim).mode & 0o100);
    const r = spawnSync(shim, ['docker-cli-plugin-metadata'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(m.SchemaVersion, '0.1.0');
    assert.equal(m.Vendor, 'stowage');
    assert.equal(m.Version, version);
    assert.ok(m.ShortDescription && !m.ShortDescription.includes('\n'));
  });

  it('is listed by docker help and runs under docker', { skip: skipUnless('docker') }, () => {
    const help = docker(['help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^\s+stowage\*?\s+Docker and OCI images as files/m);
    const v = docker(['stowage', '--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), version);
    const own = stowage(['inspect', join(EXAMPLES, 'app-1.tar'), '--json']);
    const viaDocker = docker(['stowage', 'inspect', join(EXAMPLES, 'app-1.tar'), '--json']);
    assert.equal(viaDocker.status, 0, viaDocker.stderr);
    assert.deepEqual(JSON.parse(viaDocker.stdout), JSON.parse(own.stdout));
    // stowage's own failures keep their one line and exit status through docker.
    const bad = docker(['stowage', 'inspect', join(dir, 'missing.tar')]);
    assert.equal(bad.status, 1);
    assert.match(oneLineError(bad), /missing\.tar/);
  });

  it('installs into --dir, and refuses a folder it cannot make in one line', () => {
    const r = stowage(['plugin', 'install', '--dir', join(dir, 'elsewhere')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'elsewhere', 'docker-stowage')));
    writeFileSync(join(dir, 'a-file'), '');
    const bad = stowage(['plugin', 'install', '--dir', join(dir, 'a-file', 'sub')]);
    assert.equal(bad.status, 1);
    assert.match(oneLineError(bad), /a-file\/sub\/docker-stowage: cannot write the plugin \(ENOTDIR\)/);
  });
});
