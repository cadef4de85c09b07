/**
 * Issue 13: what a crane/skopeo user expects. Against a real CNCF registry (deletes enabled), checked with skopeo:
 * `ls` (tags), `digest` (any source), `delete` (by tag and by digest), and `inspect --raw config|manifest|index`
 * printing the exact bytes skopeo prints.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { CLI, EXAMPLES, scratch } from '../helpers/paths.js';
import { haveCommand } from '../helpers/peers.js';
import { REGISTRY_SKIP, multiPlatformLayout, startRegistry, type Registry } from '../helpers/registry.js';

const dir = scratch('stowage-admin-');
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const skip = REGISTRY_SKIP || (haveCommand('skopeo') ? false : 'skopeo is not installed: run scripts/peers/install.sh (CI does)');
const skopeo = (args: string[]): Buffer => execFileSync('skopeo', args, { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
/** stowage's standard output as bytes (the raw documents are compared byte for byte). */
const rawOut = (args: string[]): Buffer => execFileSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

describe('ls, digest, delete and inspect --raw against a real registry, checked with skopeo', { skip }, () => {
  let reg: Registry;
  let indexDigest: string;
  const APP1 = join(EXAMPLES, 'app-1.tar');
  const APP2 = join(EXAMPLES, 'app-2.tar');
  const layout = join(dir, 'multi');
  before(async () => {
    reg = await startRegistry();
    ({ indexDigest } = await multiPlatformLayout(layout, [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]));
    for (const [src, ref] of [[APP1, 'app:1'], [APP2, 'app:2'], [APP2, 'app:two']] as const) {
      assert.equal(stowage(['push', '-q', src, `${reg.addr}/${ref}`]).status, 0);
    }
    assert.equal(stowage(['push', '-q', '--all-platforms', `oci:${layout}:multi`, `${reg.addr}/multi:1`]).status, 0);
  });
  after(() => reg?.stop());

  it('ls lists the tags skopeo list-tags lists; --json too; an unknown repository is an error', () => {
    const want = (JSON.parse(skopeo(['list-tags', '--tls-verify=false', `docker://${reg.addr}/app`]).toString()).Tags as string[]).sort();
    const r = stowage(['ls', `docker://${reg.addr}/app`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), want);
    assert.deepEqual(want, ['1', '2', 'two']);
    const j = json(stowage(['ls', '--json', `docker://${reg.addr}/app`]));
    assert.equal(j.schema, 'stowage.ls/v1');
    assert.deepEqual([...j.tags].sort(), want);
    const unknown = stowage(['ls', `docker://${reg.addr}/nothing`]);
    assert.equal(unknown.status, 1);
    assert.match(oneLineError(unknown), /nothing: no such repository \(NAME_UNKNOWN\)/);
    const bad = stowage(['ls', `${reg.addr}/app`]);
    assert.equal(bad.status, 2);
    assert.match(oneLineError(bad), /ls works on registries: give docker:\/\//);
  });

  it('digest is the digest skopeo reports: a tag, an index, one platform of it, a layout, a docker save', () => {
    const skopeoDigest = (ref: string) => JSON.parse(skopeo(['inspect', '--tls-verify=false', ref]).toString()).Digest as string;
    assert.equal(stowage(['digest', `docker://${reg.addr}/app:2`]).stdout.trim(), skopeoDigest(`docker://${reg.addr}/app:2`));
    const index = skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.addr}/multi:1`]);
    assert.equal(stowage(['digest', `docker://${reg.addr}/multi:1`]).stdout.trim(), sha(index));
    assert.equal(sha(index), indexDigest);
    const arm = (JSON.parse(index.toString()).manifests as { digest: string; platform: { architecture: string } }[]).find((m) => m.platform.architecture === 'arm64')!.digest;
    assert.equal(stowage(['digest', '--platform', 'linux/arm64', `docker://${reg.addr}/multi:1`]).stdout.trim(), arm);
    assert.equal(stowage(['digest', '--platform', 'linux/arm64', `oci:${layout}:multi`]).stdout.trim(), arm);
    // A classic docker save holds no manifest: the synthesized one is skopeo's too, and stowage says so.
    const d = stowage(['digest', APP2]);
    assert.equal(d.stdout.trim(), skopeoDigest(`docker-archive:${APP2}`));
    assert.match(oneLineError(d), /holds no manifest: this digest is of one stowage synthesizes/);
    const j = json(stowage(['digest', '--json', `docker://${reg.addr}/app:1`]));
    assert.equal(j.schema, 'stowage.digest/v1');
    assert.equal(j.synthesized, false);
  });

  it('inspect --raw prints the exact bytes skopeo --raw prints; the config hashes to the image ID', () => {
    const ref = `docker://${reg.addr}/app:2`;
    assert.deepEqual(rawOut(['inspect', '--raw', 'manifest', ref]), skopeo(['inspect', '--tls-verify=false', '--raw', ref]));
    const config = rawOut(['inspect', '--raw', 'config', ref]);
    assert.deepEqual(config, skopeo(['inspect', '--tls-verify=false', '--config', '--raw', ref]));
    assert.equal(sha(config), json(stowage(['inspect', '--json', APP2])).images[0].imageId);
    assert.deepEqual(rawOut(['inspect', '--raw', 'config', APP2]), config, 'the archive\'s config is the same bytes');
    assert.deepEqual(rawOut(['inspect', '--raw', 'index', `docker://${reg.addr}/multi:1`]), skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.addr}/multi:1`]));
    assert.deepEqual(rawOut(['inspect', '--raw', 'index', `oci:${layout}`]), readFileSync(join(layout, 'index.json')));
    const none = stowage(['inspect', '--raw', 'index', APP2]);
    assert.equal(none.status, 1);
    assert.match(oneLineError(none), /holds no image index/);
    assert.equal(stowage(['inspect', '--raw', 'layers', APP2]).status, 2);
  });

  it('push draws a progress bar on a terminal (bytes, percentage, rate), none on a pipe', { skip: haveCommand('script') ? false : 'script (util-linux) is not installed' }, () => {
    const env = { ...process.env };
    delete env.STOWAGE_NO_PROGRESS;
    const cmd = [process.execPath, CLI, 'push', APP2, `${reg.addr}/tty:1`].map((a) => `'${a}'`).join(' ');
    const shown = execFileSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { env }).toString();
    assert.match(shown, /\r\x1b\[Kpushing \[[=> ]+\]\s+\d+%\s+\S+ \S+ \/ 292 kB\s+\S+ \S+\/s/);
    assert.match(shown, /layers done/);
    const piped = execFileSync('sh', ['-c', `${cmd.replace('tty:1', 'tty:2')} 2>&1 | cat`], { env }).toString();
    assert.doesNotMatch(piped, /\x1b\[K|%/);
  });

  it('delete by tag removes every tag naming that manifest (listed); by digest too; skopeo no longer finds them', () => {
    const digest2 = stowage(['digest', `docker://${reg.addr}/app:2`]).stdout.trim();
    const r = json(stowage(['delete', '--json', `docker://${reg.addr}/app:2`]));
    assert.equal(r.schema, 'stowage.delete/v1');
    assert.equal(r.digest, digest2);
    assert.deepEqual([...r.tagsRemoved].sort(), ['2', 'two']);
    assert.throws(() => skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.addr}/app:2`]));
    assert.deepEqual(stowage(['ls', `docker://${reg.addr}/app`]).stdout.trim().split('\n'), ['1']);
    const digest1 = stowage(['digest', `docker://${reg.addr}/app:1`]).stdout.trim();
    const byDigest = stowage(['delete', `docker://${reg.addr}/app@${digest1}`]);
    assert.equal(byDigest.status, 0, byDigest.stderr);
    assert.match(byDigest.stderr, new RegExp(`deleted ${reg.addr}/app@${digest1}; tags gone with it: 1`));
    assert.deepEqual(json(stowage(['ls', '--json', `docker://${reg.addr}/app`])).tags, []);
    const again = stowage(['delete', `docker://${reg.addr}/app:1`]);
    assert.equal(again.status, 1);
    assert.match(oneLineError(again), /app:1: no such image/);
    assert.equal(stowage(['delete', `docker://${reg.addr}/app`]).status, 2, 'a repository without a tag or digest is a usage error');
  });
});
