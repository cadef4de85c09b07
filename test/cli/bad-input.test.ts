/**
 * Untrusted archives: each kind of bad input gets one specific line on standard error, exit status 1 (2 for
 * command-line mistakes), and never a stack trace.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { sha256 } from '../../src/oci/digest.js';
import { files, hardlink, symlink, tarOf, writeTar, type LayerEntry } from '../helpers/build-layer.js';
import { oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { CLI, EXAMPLES, scratch } from '../helpers/paths.js';

const dir = scratch();
let layer: Buffer;
let config: string;

function manifest(over: Record<string, unknown> = {}): string {
  return JSON.stringify([{ Config: 'config.json', RepoTags: ['bad:1'], Layers: ['l1/layer.tar'], ...over }]);
}

async function archive(name: string, entries: LayerEntry[]): Promise<string> {
  const p = join(dir, name);
  await writeTar(p, entries);
  return p;
}

function fails(args: string[], pattern: RegExp, status = 1): void {
  const r = stowage(args);
  assert.equal(r.status, status, `exit status for ${args.join(' ')}: ${r.stderr}`);
  assert.match(oneLineError(r), pattern);
}

describe('bad input', () => {
  before(async () => {
    layer = await tarOf(files({ 'hello.txt': 'hello' }));
    config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
  });

  it('a well-formed archive built the same way is accepted (the control case)', async () => {
    const p = await archive('good.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config }, { name: 'l1/layer.tar', data: layer },
    ]);
    assert.equal(stowage(['verify', p]).status, 0);
  });

  it('a missing file, an empty file, a file that is not a tar', () => {
    fails(['inspect', join(dir, 'nope.tar')], /nope\.tar: no such file or directory/);
    writeFileSync(join(dir, 'empty.tar'), '');
    fails(['inspect', join(dir, 'empty.tar')], /empty file/);
    writeFileSync(join(dir, 'junk.tar'), Buffer.alloc(4096, 0x41));
    fails(['inspect', join(dir, 'junk.tar')], /not a tar archive/);
  });

  it('a truncated archive', () => {
    const p = join(dir, 'cut.tar');
    copyFileSync(join(EXAMPLES, 'app-2.tar'), p);
    truncateSync(p, 150_000);
    fails(['inspect', p], /truncated/);
    fails(['verify', p], /truncated/);
  });

  it('truncated on standard input', async () => {
    const p = join(dir, 'cut-stdin.tar');
    copyFileSync(join(EXAMPLES, 'app-2.tar'), p);
    truncateSync(p, 150_000);
    const r = await stowagePiped(['verify', '-'], p);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /standard input: truncated/);
  });

  it('no manifest.json or index.json', async () => {
    const p = await archive('nomanifest.tar', [{ name: 'config.json', data: config }]);
    fails(['inspect', p], /neither manifest\.json nor index\.json/);
    fails(['inspect', `docker-archive:${p}`], /no manifest\.json, so not a docker save archive/);
  });

  it('invalid JSON, and JSON of the wrong shape', async () => {
    fails(['inspect', await archive('badjson.tar', [{ name: 'manifest.json', data: '[{"Config": ' }])], /manifest\.json: invalid JSON/);
    fails(['inspect', await archive('obj.tar', [{ name: 'manifest.json', data: '{"Config": "x"}' }])], /manifest\.json: expected a JSON array, found object/);
    fails(['inspect', await archive('badcfg.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: '{"rootfs": 7}' }, { name: 'l1/layer.tar', data: layer },
    ])], /config config\.json\.rootfs: expected a JSON object/);
  });

  it('JSON over the size limit', async () => {
    const huge = '[' + ' '.repeat(17 << 20) + ']';
    fails(['inspect', await archive('huge.tar', [{ name: 'manifest.json', data: huge }])], /manifest\.json is \d+ bytes, over the \d+-byte limit/);
  });

  it('manifest paths with .. or absolute', async () => {
    fails(['inspect', await archive('dotdot.tar', [
      { name: 'manifest.json', data: manifest({ Layers: ['../../etc/passwd'] }) }, { name: 'config.json', data: config },
    ])], /Layers\[0\]: path "\.\.\/\.\.\/etc\/passwd" climbs out with "\.\."/);
    fails(['inspect', await archive('abs.tar', [
      { name: 'manifest.json', data: manifest({ Config: '/etc/passwd' }) },
    ])], /Config: absolute path "\/etc\/passwd" is not allowed/);
  });

  it('symlinks that point outside the archive, and link cycles', async () => {
    fails(['inspect', await archive('escape.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config }, symlink('l1/layer.tar', '../../../etc/passwd'),
    ])], /points outside the archive/);
    fails(['inspect', await archive('absolute-link.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config }, symlink('l1/layer.tar', '/etc/passwd'),
    ])], /symlink "l1\/layer\.tar" -> "\/etc\/passwd" points outside the archive/);
    fails(['inspect', await archive('cycle.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config },
      symlink('l1/layer.tar', '../l2/layer.tar'), symlink('l2/layer.tar', '../l1/layer.tar'),
    ])], /link cycle/);
    fails(['inspect', await archive('hardlink-out.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config }, hardlink('l1/layer.tar', '../x'),
    ])], /hard link .* points outside the archive/);
  });

  it('a symlink out of an OCI layout directory', () => {
    const d = join(dir, 'layout');
    mkdirSync(join(d, 'blobs/sha256'), { recursive: true });
    writeFileSync(join(d, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    symlinkSync('/etc/hostname', join(d, 'index.json'));
    fails(['inspect', d], /index\.json" is a link that points outside the directory/);
  });

  it('a layer count different from the DiffID count', async () => {
    fails(['inspect', await archive('count.tar', [
      { name: 'manifest.json', data: manifest({ Layers: ['l1/layer.tar', 'l1/layer.tar'] }) }, { name: 'config.json', data: config },
      { name: 'l1/layer.tar', data: layer },
    ])], /lists 2 layers but its config has 1 DiffIDs/);
  });

  it('a layer that does not match its DiffID: verify names it and exits 1', async () => {
    const tampered = Buffer.from(layer);
    tampered[600] = tampered[600]! ^ 1;
    const p = await archive('tampered.tar', [
      { name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config }, { name: 'l1/layer.tar', data: tampered },
    ]);
    const r = stowage(['verify', p]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`FAIL  layer 1  l1/layer\\.tar: DiffID is ${sha256(tampered)}, but the config says ${sha256(layer)}`));
    assert.equal(r.stderr, '');
    const j = JSON.parse(stowage(['verify', '--json', p]).stdout);
    assert.equal(j.ok, false);
    assert.equal(j.images[0].layers[0].computed.diffId, sha256(tampered));
  });

  it('a missing layer file', async () => {
    const r = stowage(['verify', await archive('missing.tar', [{ name: 'manifest.json', data: manifest() }, { name: 'config.json', data: config }])]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAIL  layer 1  l1\/layer\.tar: not in the source/);
  });

  it('garbage on standard input', () => {
    const r = stowage(['inspect', '-'], { input: Buffer.alloc(3000, 7) });
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /standard input: not a tar archive/);
  });

  it('an engine that is not there is named as such, as a source and as a destination (not "output closed")', () => {
    const env = { STOWAGE_DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}`, DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` };
    for (const args of [['inspect', 'docker-daemon:app:1'], ['copy', join(EXAMPLES, 'app-2.tar'), 'docker-daemon:']]) {
      const r = stowage(args, { env });
      assert.equal(r.status, 1, r.stderr);
      assert.match(oneLineError(r), /cannot reach the Docker engine at unix:\/\/.*no-engine\.sock \(no socket there\)/);
    }
  });

  it('a pipe given by name (<(...)) is read in one pass like standard input, plain or gzip; an empty one is named', () => {
    const run = (inner: string) => spawnSync('bash', ['-c', `"$0" "$1" verify --json <(${inner})`, process.execPath, CLI, join(EXAMPLES, 'app-2.tar')], { encoding: 'utf8' });
    for (const inner of ['cat "$2"', 'gzip -c "$2"']) {
      const r = run(inner);
      assert.equal(r.status, 0, r.stderr);
      const v = JSON.parse(r.stdout);
      assert.equal(v.ok, true);
      assert.equal(v.images[0].imageId, JSON.parse(stowage(['inspect', '--json', join(EXAMPLES, 'app-2.tar')]).stdout).images[0].imageId);
    }
    const empty = run("printf ''");
    assert.equal(empty.status, 1);
    assert.match(empty.stderr.trim(), /^stowage: \/dev\/fd\/\d+: empty/);
  });

  it('command-line mistakes exit with status 2', () => {
    fails(['inspect'], /missing required argument 'source'/, 2);
    fails(['inspect', '--bogus', 'x'], /unknown option '--bogus'/, 2);
    fails(['frobnicate'], /unknown command 'frobnicate'/, 2);
    fails(['inspect', '--platform', 'nonsense', join(EXAMPLES, 'app-1.tar')], /invalid platform "nonsense"/, 2);
    fails(['inspect', `${join(EXAMPLES, 'app-1.tar')}:@x`], /invalid image position/, 2);
  });

  it('help and version exit 0', () => {
    const h = stowage(['inspect', '--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /Examples:/);
    const v = stowage(['--version']);
    assert.equal(v.stdout.trim(), JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version);
  });
});
