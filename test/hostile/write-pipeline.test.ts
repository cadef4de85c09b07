/**
 * The write pipeline (issue 19): every command that writes, into every kind of destination, refuses a tampered
 * layer before anything is committed. Three ways a layer can lie, each made at test time in an OCI layout whose
 * other checks all pass: its content is not the config's DiffID (the blob digest is right), its descriptor's size is
 * wrong, its blob does not hash to its name. Destinations: a new and an existing OCI layout, an OCI archive, a docker
 * archive in each layout, standard output, the three engines CI runs and the real registry. Each refusal is one line
 * and exit 1, and leaves the destination as it was: no file, the layout's index.json and blobs unchanged, no tag in
 * the engine or the registry.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { oneLineError, stowage } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { CLI, EXAMPLES, scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';
import { validate } from '../helpers/validate.js';
import { entry, END, gz, ociLayout, sha, smallLayer } from './craft.js';

const tmp = scratch('stowage-pipeline-');
let n = 0;
const fresh = (ext = '') => join(tmp, `o${++n}${ext}`);

/** The three lies, each an OCI layout of one image (tag 1) with a gzip layer under a good base layer. */
function tampered(kind: 'diffid' | 'size' | 'blob'): string {
  const dir = fresh('-src');
  const base = smallLayer('base.txt', 'base\n');
  const real = Buffer.concat([entry({ name: 'app.txt' }, 'the real content\n'), END]);
  const other = Buffer.concat([entry({ name: 'app.txt' }, 'something else!!\n'), END]);
  if (kind === 'diffid') {
    // The blob is gzip(other), named and sized truly; the config says the layer is `real`.
    ociLayout(dir, [base, { tar: other, stored: gz(other) }], { diffIds: [sha(base.tar), sha(real)] });
  } else if (kind === 'size') {
    const stored = gz(real);
    ociLayout(dir, [base, { tar: real, stored }], { sizes: [base.tar.length, stored.length + 7] });
  } else {
    const stored = gz(real);
    ociLayout(dir, [base, { tar: real, stored }]);
    // Same length, one byte flipped after the gzip header: the file no longer hashes to its name.
    const path = join(dir, 'blobs/sha256', sha(stored).slice(7));
    const b = readFileSync(path);
    b[12] ^= 0x55;
    writeFileSync(path, b);
  }
  return `oci:${dir}:1`;
}

function refused(args: string[], what: string, env?: NodeJS.ProcessEnv): string {
  const r = stowage(args, env ? { env } : {});
  assert.equal(r.status, 1, `${what}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  const line = oneLineError(r);
  assert.doesNotMatch(line, /internal error|at .*\.js:\d+/, what);
  return line;
}

/** Every file under a folder, with its size, for "unchanged" checks. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

const COMMANDS: [string, (src: string, dest: string) => string[]][] = [
  ['copy', (s, d) => ['copy', s, d]],
  ['edit', (s, d) => ['edit', s, '-o', d, '--label', 'a=b']],
  ['squash', (s, d) => ['squash', s, '-o', d]],
];

/** Why each lie is refused, as the line says it. */
// A flipped byte may break the gzip stream itself: a reader that decompresses says so first.
const SAYS = { diffid: /DiffID/, size: /bytes/, blob: /hash|digest|corrupt/ };

describe('a tampered layer is refused by every writing command, into files and layouts, nothing committed', () => {
  const sources: Record<string, string> = {};
  let existing = '';
  let before_: { index: string; files: string[] } = { index: '', files: [] };
  before(() => {
    for (const k of ['diffid', 'size', 'blob'] as const) sources[k] = tampered(k);
    existing = fresh('-layout');
    const r = stowage(['copy', join(EXAMPLES, 'app-1.tar'), `oci:${existing}:good`]);
    assert.equal(r.status, 0, r.stderr);
    before_ = { index: readFileSync(join(existing, 'index.json'), 'utf8'), files: listing(existing) };
  });

  for (const kind of ['diffid', 'size', 'blob'] as const) {
    for (const [cmd, args] of COMMANDS) {
      it(`${cmd}, a layer whose ${kind === 'diffid' ? 'content is not its DiffID' : kind === 'size' ? 'size is not its descriptor\'s' : 'blob is not its digest'}: new layout, OCI archive, docker archive (both layouts), standard output`, () => {
        const src = sources[kind]!;
        const newDir = fresh('-new');
        assert.match(refused(args(src, `oci:${newDir}:t`), `${cmd} -> new layout`), SAYS[kind]);
        assert.equal(existsSync(newDir), false, 'no new layout');
        for (const dest of [`oci-archive:${fresh('.tar')}`, fresh('.tar')]) {
          const path = dest.replace(/^oci-archive:/, '');
          assert.match(refused(args(src, dest), `${cmd} -> ${dest}`), SAYS[kind]);
          assert.equal(existsSync(path), false, `no ${path}`);
        }
        const oci = fresh('.tar');
        assert.match(refused([...args(src, oci), '--layout', 'oci'], `${cmd} -> docker archive, Docker 25+ layout`), SAYS[kind]);
        assert.equal(existsSync(oci), false);
        // Standard output cannot take bytes back: the exit says it, and the stream ends inside a block, so a
        // tar reader (docker load's) sees it truncated, not complete.
        const r = spawnSync(process.execPath, [CLI, ...args(src, '-')], { env: { ...process.env, STOWAGE_NO_PROGRESS: '1' }, maxBuffer: 64 << 20 });
        assert.equal(r.status, 1, `${cmd} -> -: exit ${r.status}`);
        assert.match(oneLineError({ status: 1, stdout: '', stderr: r.stderr.toString() }), SAYS[kind]);
        assert.ok(r.stdout.length === 0 || r.stdout.length % 512 !== 0, `standard output is empty or ends inside a block (${r.stdout.length} bytes)`);
      });

      it(`${cmd}, the same lie (${kind}) into an existing OCI layout: index.json and its blobs unchanged`, () => {
        assert.match(refused(args(sources[kind]!, `oci:${existing}:bad`), `${cmd} -> existing layout`), SAYS[kind]);
        assert.equal(readFileSync(join(existing, 'index.json'), 'utf8'), before_.index, 'index.json unchanged');
        assert.deepEqual(listing(existing), before_.files, 'no blob added, no temporary file left');
      });
    }
  }

  it('--no-verify is the one opt-out: the same copy then writes (and verify finds the lie)', () => {
    const dir = fresh('-nv');
    const r = stowage(['copy', sources.diffid!, `oci:${dir}:t`, '--no-verify']);
    assert.equal(r.status, 0, r.stderr);
    const v = stowage(['verify', `oci:${dir}:t`]);
    assert.equal(v.status, 1);
    assert.match(oneLineError(v) + v.stdout, /DiffID/);
  });
});

describe('a tampered layer is refused by every writing command, into the registry: no tag appears', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  before(async () => { reg = await startRegistry(); });
  after(() => reg?.stop());
  for (const kind of ['diffid', 'size', 'blob'] as const) {
    it(`copy, edit and squash of a layer that lies (${kind}) to docker://`, async () => {
      const src = tampered(kind);
      for (const [cmd, args] of COMMANDS) {
        const ref = `${reg.addr}/hostile/${cmd}-${kind}:1`;
        assert.match(refused(args(src, `docker://${ref}`), `${cmd} -> registry`), SAYS[kind]);
        const res = await fetch(`http://${reg.addr}/v2/hostile/${cmd}-${kind}/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
        assert.equal(res.status, 404, `${cmd}: no manifest under the tag`);
      }
    });
  }
  it('an honest image still goes in (the proof passes, the tag is put last)', async () => {
    const r = stowage(['copy', join(EXAMPLES, 'app-1.tar'), `docker://${reg.addr}/honest/app:1`]);
    assert.equal(r.status, 0, r.stderr);
    const back = stowage(['verify', `docker://${reg.addr}/honest/app:1`]);
    assert.equal(back.status, 0, back.stdout + back.stderr);
  });
});

describe('a tampered layer is refused by every writing command, into each engine: no tag appears, none moves', () => {
  for (const e of ENGINES) {
    it(`copy, edit and squash into ${e.name}`, { skip: e.skip }, () => {
      const env = { ...process.env, DOCKER_HOST: e.host };
      const src = tampered('diffid');
      for (const [cmd, args] of COMMANDS) {
        const tag = `stowage-hostile/pipeline-${cmd}:${process.pid}`;
        assert.match(refused(args(src, `docker-daemon:${tag}`), `${cmd} -> ${e.name}`, env), /DiffID/);
        assert.notEqual(e.tryDocker(['image', 'inspect', tag]).status, 0, `${cmd}: ${tag} is not in ${e.name}`);
      }
    });
  }
});

describe('an honest image goes into every kind of destination, and the output validates', () => {
  // The image ID and DiffIDs of the source, from its own bytes.
  let want: { imageId: string; diffIds: string[] };
  let reg: Registry | undefined;
  before(async () => {
    want = (await validate(join(EXAMPLES, 'app-2.tar'))).images[0]!;
    if (!REGISTRY_SKIP) reg = await startRegistry();
  });
  after(() => reg?.stop());
  const same = async (text: string) => {
    const got = (await validate(text)).images[0]!;
    assert.equal(got.imageId, want.imageId, `${text}: same image ID`);
    assert.deepEqual(got.diffIds, want.diffIds, `${text}: same DiffIDs`);
  };
  for (const [cmd, args] of COMMANDS) {
    it(`${cmd} into a new and an existing OCI layout, an OCI archive and both docker archive layouts`, async () => {
      const layout = fresh('-ok');
      for (const dest of [`oci:${layout}:a`, `oci:${layout}:b`, `oci-archive:${fresh('.tar')}`, fresh('.tar')]) {
        const r = stowage(args(join(EXAMPLES, 'app-2.tar'), dest));
        assert.equal(r.status, 0, `${cmd} -> ${dest}: ${r.stderr}`);
        const out = (await validate(dest)).images[0]!;
        if (cmd === 'copy') assert.equal(out.imageId, want.imageId, `${dest}: same image ID`);
      }
      const oci = fresh('.tar');
      assert.equal(stowage([...args(join(EXAMPLES, 'app-2.tar'), oci), '--layout', 'oci']).status, 0);
      await validate(oci);
      if (cmd === 'copy') await same(oci);
    });
  }
  it('copy into the registry and back out', { skip: REGISTRY_SKIP }, async () => {
    const ref = `docker://${reg!.addr}/honest/app:2`;
    assert.equal(stowage(['copy', join(EXAMPLES, 'app-2.tar'), ref]).status, 0);
    await same(ref);
  });
  for (const e of ENGINES) {
    it(`copy into ${e.name} and back out`, { skip: e.skip }, async () => {
      const env = { DOCKER_HOST: e.host };
      const tag = `stowage-honest/app:${process.pid}`;
      try {
        assert.equal(stowage(['copy', join(EXAMPLES, 'app-2.tar'), `docker-daemon:${tag}`], { env }).status, 0);
        const back = fresh('.tar');
        assert.equal(stowage(['copy', `docker-daemon:${tag}`, back], { env }).status, 0);
        const got = (await validate(back)).images[0]!;
        assert.deepEqual(got.diffIds, want.diffIds, `${e.name}: same DiffIDs`);
        // The containerd store names an image by its manifest; the config, and so the DiffIDs, are the same.
        if (e.store === 'classic') assert.equal(got.imageId, want.imageId);
      } finally {
        e.tryDocker(['rmi', tag]);
      }
    });
  }
});
