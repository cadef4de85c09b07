/**
 * Issue 13, the pieces a docker/skopeo/crane user missed: the run config in inspect (against what dockerd reports),
 * diff's exit status, copy into an existing OCI layout (concurrent writers, read back by skopeo and umoci),
 * progress bars on a terminal only, and examples in every --help.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { progressLine } from '../../src/cli/output.js';
import { json, oneLineError, runAsync, stowage } from '../helpers/cli.js';
import { buildOnBase } from '../helpers/images.js';
import { CLI, EXAMPLES, scratch } from '../helpers/paths.js';
import { DOCKER_HOST, DOCKER_SKIP, docker, dockerInspect, haveCommand, haveDocker, run, skipUnless } from '../helpers/peers.js';

const dir = scratch('stowage-missing-');
const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('inspect shows the run config, as dockerd reports it', { skip: haveDocker() ? false : DOCKER_SKIP }, () => {
  const TAG = 'stowage-e2e/everyday-config:1';
  before(() => {
    buildOnBase(TAG, [
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["echo hello"]',
      'ENV A=1 B="two words"',
      'EXPOSE 80 443/udp',
      'VOLUME ["/data"]',
      'LABEL org.example.a=1 org.example.b="x y"',
      'USER 1000:1000',
      'WORKDIR /srv',
      'STOPSIGNAL SIGINT',
      'HEALTHCHECK --interval=30s --timeout=5s --retries=2 CMD true',
    ]);
  });
  after(() => {
    try { docker(['rmi', TAG]); } catch { /* absent */ }
  });

  it('Entrypoint, Cmd, Env, ports, volumes, labels, user, workdir, stop signal, healthcheck: in --json and text', () => {
    const want = dockerInspect(TAG);
    const r = json(stowage(['inspect', '--json', `docker-daemon:${TAG}`], { env: { DOCKER_HOST } }));
    const c = r.images[0].runConfig;
    assert.deepEqual(c.Entrypoint, want.Config.Entrypoint);
    assert.deepEqual(c.Cmd, want.Config.Cmd);
    assert.deepEqual(c.Env, want.Config.Env);
    assert.deepEqual(c.ExposedPorts, Object.keys(want.Config.ExposedPorts).sort());
    assert.deepEqual(c.Volumes, Object.keys(want.Config.Volumes));
    assert.deepEqual(c.Labels, want.Config.Labels);
    assert.equal(c.User, want.Config.User);
    assert.equal(c.WorkingDir, want.Config.WorkingDir);
    assert.equal(c.StopSignal, 'SIGINT');
    assert.deepEqual(c.Healthcheck, want.Config.Healthcheck);
    const text = stowage(['inspect', '--no-explain', `docker-daemon:${TAG}`], { env: { DOCKER_HOST } }).stdout;
    for (const line of [/Entrypoint\s+\["\/bin\/sh","-c"\]/, /Cmd\s+\["echo hello"\]/, /Env\s+PATH=/, /B=two words/, /Ports\s+443\/udp 80\/tcp/,
      /Volumes\s+\/data/, /Labels\s+org\.example\.a=1/, /org\.example\.b=x y/, /User\s+1000:1000/, /WorkingDir\s+\/srv/, /StopSignal\s+SIGINT/,
      /Healthcheck\s+\["CMD-SHELL","true"\]\s+\(interval 30s, timeout 5s, retries 2\)/]) {
      assert.match(text, line);
    }
    // The classic store names the image by the config's bytes: --raw config hashes to docker's image ID.
    const raw = execFileSync(process.execPath, [CLI, 'inspect', '--raw', 'config', `docker-daemon:${TAG}`], { env: { ...process.env, DOCKER_HOST }, maxBuffer: 1 << 26 });
    assert.equal(sha(raw), want.Id);
  });
});

describe('diff exits as diff(1): 0 same, 1 different, 2 trouble', () => {
  it('same image, different images, a recompressed copy, a missing source, a bad flag', () => {
    assert.equal(stowage(['diff', '-q', APP1, APP1]).status, 0);
    const d = stowage(['diff', APP1, APP2]);
    assert.equal(d.status, 1);
    assert.match(d.stdout, /Verdict:/, 'the report is still printed');
    const q = stowage(['diff', '-q', APP1, APP2]);
    assert.equal(q.status, 1);
    assert.equal(q.stdout, '');
    const layout = join(dir, 'diff-oci');
    assert.equal(stowage(['copy', '-q', APP2, `oci:${layout}`]).status, 0);
    assert.equal(stowage(['diff', '-q', APP2, `oci:${layout}`]).status, 0, 'the same image ID in another format is the same image');
    const missing = stowage(['diff', APP1, join(dir, 'nothing.tar')]);
    assert.equal(missing.status, 2);
    assert.match(oneLineError(missing), /no such file or directory/);
    assert.equal(stowage(['diff', '--bogus', APP1, APP2]).status, 2);
  });
});

describe('copy into an existing OCI layout', () => {
  const umoci = haveCommand('umoci');
  const skopeo = haveCommand('skopeo');

  it('adds tags beside a layout skopeo made; a tag already there moves; skopeo and umoci read every one', { skip: skipUnless('skopeo') }, () => {
    const L = join(dir, 'shared');
    run('skopeo', ['copy', '-q', `docker-archive:${APP1}`, `oci:${L}:base`]);
    const r = stowage(['copy', APP2, `oci:${L}:app2`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(stowage(['copy', APP2, `oci:${L}:base`]).status, 0, 'base now names app:2');
    const index = JSON.parse(readFileSync(join(L, 'index.json'), 'utf8'));
    const names = index.manifests.map((m: any) => m.annotations['org.opencontainers.image.ref.name']).sort();
    assert.deepEqual(names, ['app2', 'base']);
    const id2 = json(stowage(['inspect', '--json', APP2])).images[0].imageId;
    for (const t of ['app2', 'base']) {
      const cfg = execFileSync('skopeo', ['inspect', '--config', '--raw', `oci:${L}:${t}`]);
      assert.equal(sha(cfg), id2);
    }
    if (umoci) assert.deepEqual(run('umoci', ['ls', '--layout', L]).trim().split('\n').sort(), ['app2', 'base']);
    assert.equal(stowage(['verify', '-q', `oci:${L}`]).status, 0);
    // edit into the same layout under a new tag; the source's own tag is still refused.
    const e = stowage(['edit', `oci:${L}:app2`, '-o', `oci:${L}:labelled`, '--label', 'x=1']);
    assert.equal(e.status, 0, e.stderr);
    const labelled = JSON.parse(execFileSync('skopeo', ['inspect', '--config', '--raw', `oci:${L}:labelled`]).toString());
    assert.equal(labelled.config.Labels.x, '1');
    assert.equal(sha(execFileSync('skopeo', ['inspect', '--config', '--raw', `oci:${L}:app2`])), id2, 'the source entry is untouched');
    assert.equal(stowage(['edit', `oci:${L}:app2`, '-o', `oci:${L}:app2`, '--label', 'x=1']).status, 2);
  });

  it('eight copies at once into one layout: every tag lands, every blob whole, no temporary file left', { skip: skopeo ? false : skipUnless('skopeo') }, async () => {
    const L = join(dir, 'busy');
    assert.equal(stowage(['copy', APP1, `oci:${L}:start`]).status, 0);
    const tags = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const results = await Promise.all(tags.map((t, i) =>
      runAsync(process.execPath, [CLI, 'copy', '-q', i % 2 ? APP1 : APP2, `oci:${L}:${t}`], { env: { STOWAGE_NO_PROGRESS: '1' } })));
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const index = JSON.parse(readFileSync(join(L, 'index.json'), 'utf8'));
    const names = index.manifests.map((m: any) => m.annotations['org.opencontainers.image.ref.name']).sort();
    assert.deepEqual(names, ['start', ...tags].sort(), 'no writer lost another\'s entry');
    for (const f of readdirSync(join(L, 'blobs/sha256'))) {
      assert.match(f, /^[a-f0-9]{64}$/, 'only whole blobs, named by digest');
      assert.equal(sha(readFileSync(join(L, 'blobs/sha256', f))), `sha256:${f}`);
    }
    assert.deepEqual(readdirSync(L).sort(), ['blobs', 'index.json', 'oci-layout']);
    assert.equal(stowage(['verify', '-q', `oci:${L}`]).status, 0);
    for (const t of ['t0', 't1']) run('skopeo', ['inspect', `oci:${L}:${t}`]);
  });

  it('a directory that is not a layout is still refused', () => {
    const d = join(dir, 'plain-dir');
    mkdirSync(d);
    const r = stowage(['copy', APP2, `oci:${d}`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /already exists and is not an OCI layout/);
  });
});

describe('progress bars: on a terminal only', () => {
  it('the bar shows bytes, percentage and rate', () => {
    const line = progressLine('pushing', 512e6, 1.12e9, 5, 100, 'layer 2/3');
    assert.match(line, /^pushing \[=+> *\]\s+45%\s+512 MB \/ 1\.12 GB\s+102 MB\/s\s+6 s left\s+layer 2\/3$/);
    assert.match(progressLine('copying', 292e3, 292e3, 1, 80), /\[=+\]\s+100%\s+292 kB \/ 292 kB\s+292 kB\/s$/);
    assert.equal(progressLine('reading', 1e6, undefined, 2, 80), 'reading  1.00 MB  500 kB/s');
    const a = progressLine('copying', 1, 100, 1, 80);
    const b = progressLine('copying', 99, 100, 1, 80);
    assert.equal(a.indexOf(']'), b.indexOf(']'), 'the bar keeps its width');
  });

  it('copy and verify draw it under a pseudo-terminal; nothing on a pipe or with -q', { skip: haveCommand('script') ? false : 'script (util-linux) is not installed' }, () => {
    // script(1) runs the command on a pseudo-terminal: its standard error is a terminal there.
    const env = { ...process.env };
    delete env.STOWAGE_NO_PROGRESS;
    const tty = (args: string[]) => execFileSync('script', ['-q', '-e', '-c', [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { env, maxBuffer: 1 << 24 }).toString();
    const shown = tty(['copy', APP2, join(dir, 'tty-copy.tar')]);
    assert.match(shown, /\r\x1b\[Kcopying \[=+\]\s+100%\s+292 kB \/ 292 kB\s+\S+ \S+\/s/);
    assert.match(tty(['verify', APP2]), /\r\x1b\[Khashing \[[=> ]+\]\s+\d+%/);
    assert.doesNotMatch(tty(['copy', '-q', APP2, join(dir, 'tty-quiet.tar')]), /\x1b\[K|%/);
    const piped = execFileSync('sh', ['-c', `"${process.execPath}" "${CLI}" copy "${APP2}" "${join(dir, 'pipe-copy.tar')}" 2>&1 | cat`], { env }).toString();
    assert.doesNotMatch(piped, /\r|\x1b\[K|%/);
    assert.match(piped, /^wrote .*pipe-copy\.tar: 1 image, 3 layers/);
  });
});

describe('every --help has examples', () => {
  it('stowage --help and each command\'s help', () => {
    const top = stowage(['--help']);
    assert.equal(top.status, 0);
    assert.match(top.stdout, /\nExamples:\n  stowage inspect /);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) (?:\[options\]|<|\[)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    assert.ok(commands.length >= 18, commands.join(' '));
    for (const c of ['ls', 'digest', 'delete', 'inspect', 'diff', 'copy']) assert.ok(commands.includes(c), c);
    for (const c of commands) {
      const h = stowage([c, '--help']);
      assert.equal(h.status, 0, c);
      assert.match(h.stdout, new RegExp(`\\nExamples:\\n(?:.*\\n)*? {2}(?:[a-z]+ [^\\n]*\\| )?stowage ${c}\\b`), `${c} --help has examples of itself`);
    }
  });
});
