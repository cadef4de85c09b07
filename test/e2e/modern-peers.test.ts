/**
 * Current peers as independent references beside Debian 12's (skopeo 1.9, umoci 0.4, podman 4.3): skopeo 1.22,
 * crane 0.20, umoci 0.6 and podman 5.8 from Debian forky, run in the chroot of scripts/peers/modern-engine.sh.
 * They read what stowage writes (legacy and Docker 25+ archives, thin deltas rebuilt by apply, OCI layouts), and
 * skopeo's synthesized manifest digest equals stowage's.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { EXAMPLES, ROOT } from '../helpers/paths.js';

const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';
const SCRIPT = join(ROOT, 'scripts/peers/modern-engine.sh');
const ready = existsSync(join(FORKY, 'usr/bin/crane')) && existsSync(join(FORKY, 'usr/bin/skopeo')) && process.getuid?.() === 0;
const SKIP = ready ? false : `the forky chroot with skopeo 1.22, crane 0.20, umoci 0.6 and podman 5.8 is not at ${FORKY}: run scripts/peers/modern-engine.sh setup as root (CI does)`;
// The chroot shares the host's /tmp, so every file the peers read lives there.
const dir = ready ? mkdtempSync('/tmp/stowage-modern-peers-') : '';
const peer = (args: string[]) => execFileSync(SCRIPT, ['run', ...args], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

describe('current peers (Debian forky) read what stowage writes', { skip: SKIP }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const legacy = join(dir, 'app-2.tar');
  const d25 = join(dir, 'app-2-d25.tar');

  it('crane 0.20 validates a Docker 25+ archive stowage wrote, and the legacy archive apply rebuilt from a thin delta', () => {
    copyFileSync(join(EXAMPLES, 'app-2.tar'), legacy);
    assert.equal(stowage(['copy', '-q', '--layout', 'oci', legacy, d25]).status, 0);
    const delta = join(dir, 'd.tar');
    const rebuilt = join(dir, 'rebuilt.tar');
    assert.equal(stowage(['delta', legacy, '--base', join(EXAMPLES, 'app-1.tar'), '-o', delta, '-q']).status, 0);
    assert.equal(stowage(['apply', delta, '--base', join(EXAMPLES, 'app-1.tar'), '-o', rebuilt, '-q']).status, 0);
    for (const f of [d25, rebuilt]) assert.match(peer(['crane', 'validate', '--tarball', f]), /PASS/);
  });

  it('skopeo 1.22 synthesizes the same manifest digest stowage shows, from the legacy and the Docker 25+ archive', () => {
    const ours = json(stowage(['inspect', '--json', legacy])).images[0].manifest.digest;
    for (const f of [legacy, d25]) {
      const raw = execFileSync(SCRIPT, ['run', 'skopeo', 'inspect', '--raw', `docker-archive:${f}`], { maxBuffer: 1 << 20 });
      const digest = `sha256:${execFileSync('sha256sum', { input: raw }).toString().split(' ')[0]}`;
      assert.equal(digest, ours, f);
    }
  });

  it('umoci 0.6 unpacks stowage\'s OCI layout to the files stowage export writes', () => {
    const layout = join(dir, 'layout');
    assert.equal(stowage(['copy', '-q', legacy, `oci:${layout}:v2`]).status, 0);
    const bundle = join(dir, 'bundle');
    peer(['umoci', 'unpack', '--image', `${layout}:v2`, bundle]);
    const rootfs = join(dir, 'rootfs.tar');
    assert.equal(stowage(['export', legacy, '-o', rootfs]).status, 0);
    const files = execFileSync('tar', ['-tf', rootfs]).toString().split('\n').filter((n) => n && !n.endsWith('/'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const ours = execFileSync('tar', ['-xOf', rootfs, f]);
      assert.deepEqual(readFileSync(join(bundle, 'rootfs', f.replace(/^\.\//, ''))), ours, f);
    }
  });

  it('podman 5.8 loads the archive apply rebuilt, with the same image ID', () => {
    const store = join(dir, 'podman');
    const podman = (args: string[]) => spawnSync(SCRIPT, ['run', 'podman', '--root', join(store, 'root'), '--runroot', join(store, 'run'), '--storage-driver', 'vfs', ...args], { maxBuffer: 1 << 24 });
    const l = podman(['load', '-i', join(dir, 'rebuilt.tar')]);
    assert.equal(l.status, 0, l.stderr.toString());
    const id = podman(['image', 'inspect', 'stowage-example/app:2', '--format', '{{.Id}}']).stdout.toString().trim();
    assert.equal(`sha256:${id}`, json(stowage(['inspect', '--json', legacy])).images[0].imageId);
  });
});
