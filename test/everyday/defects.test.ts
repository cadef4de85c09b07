/**
 * Issue 13, what a new user hit: compressed archives on standard input, outputs that would replace an input, a
 * streamed verify's rate, a bare image name taken for a file, squash --above the wrong way round.
 */
import assert from 'node:assert/strict';
import { copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { sha256 } from '../../src/oci/digest.js';
import { oneLineError, runAsync, stowage, stowagePiped, json } from '../helpers/cli.js';
import { CLI, EXAMPLES, scratch } from '../helpers/paths.js';
import { haveCommand, run } from '../helpers/peers.js';

const dir = scratch();
const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');
const gz = join(dir, 'app-2.tar.gz');
const zst = join(dir, 'app-2.tar.zst');
const compressed: [string, string][] = [['gzip', gz], ...(haveCommand('zstd') ? [['zstd', zst] as [string, string]] : [])];

describe('compressed archives on standard input (defect 1)', () => {
  before(() => {
    writeFileSync(gz, gzipSync(readFileSync(APP2)));
    if (haveCommand('zstd')) run('zstd', ['-q', '-f', APP2, '-o', zst]);
  });
  for (const [kind, file] of compressed) {
    it(`${kind}: inspect, verify, delta, export, edit, copy and squash read it as they read the file`, async () => {
      const want = json(stowage(['inspect', APP2, '--json']));
      const insp = await stowagePiped(['inspect', '-', '--json'], file);
      assert.equal(insp.status, 0, insp.stderr);
      assert.equal(JSON.parse(insp.stdout).images[0].imageId, want.images[0].imageId);
      const ver = await stowagePiped(['verify', '-'], file);
      assert.equal(ver.status, 0, ver.stderr);

      const fromFile = join(dir, `delta-file-${kind}.tar`);
      const fromPipe = join(dir, `delta-pipe-${kind}.tar`);
      assert.equal(stowage(['delta', APP2, '--base', APP1, '-o', fromFile, '-q']).status, 0);
      const d = await stowagePiped(['delta', '-', '--base', APP1, '-o', fromPipe, '-q'], file);
      assert.equal(d.status, 0, d.stderr);
      const chk = json(stowage(['inspect', fromPipe, '--json']));
      assert.equal(chk.images[0].imageId, want.images[0].imageId);

      const expFile = join(dir, `rootfs-file-${kind}.tar`);
      const expPipe = join(dir, `rootfs-pipe-${kind}.tar`);
      assert.equal(stowage(['export', APP2, '-o', expFile]).status, 0);
      const e = await stowagePiped(['export', '-', '-o', expPipe], file);
      assert.equal(e.status, 0, e.stderr);
      assert.equal(sha256(readFileSync(expPipe)), sha256(readFileSync(expFile)));

      for (const args of [
        ['edit', '-', '-o', join(dir, `edit-${kind}.tar`), '--label', 'x=y'],
        ['copy', '-', `oci:${join(dir, `copy-${kind}`)}`],
        ['squash', '-', '-o', join(dir, `squash-${kind}.tar`)],
      ]) {
        const r = await stowagePiped(args, file);
        assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
      }
      const copied = json(stowage(['inspect', `oci:${join(dir, `copy-${kind}`)}`, '--json']));
      assert.equal(copied.images[0].imageId, want.images[0].imageId);
    });
  }
});

describe('no command writes over its own input (defect 2)', () => {
  const d = join(dir, 'inputs');
  const base = join(d, 'base.tar');
  const img = join(d, 'img.tar');
  const was = { base: '', img: '' };
  before(() => {
    mkdirSync(d);
    copyFileSync(APP1, base);
    copyFileSync(APP2, img);
    symlinkSync('base.tar', join(d, 'link.tar'));
    linkSync(base, join(d, 'hard.tar'));
    linkSync(img, join(d, 'imghard.tar'));
    Object.assign(was, { base: sha256(readFileSync(base)), img: sha256(readFileSync(img)) });
  });
  const intact = () => {
    assert.equal(sha256(readFileSync(base)), was.base, 'the base is intact');
    assert.equal(sha256(readFileSync(img)), was.img, 'the image is intact');
  };

  for (const out of ['base.tar', './base.tar', '../inputs/base.tar', join(d, 'base.tar'), 'link.tar', 'hard.tar']) {
    it(`delta img.tar --base base.tar -o ${out} is refused, the base intact`, () => {
      const r = stowage(['delta', 'img.tar', '--base', 'base.tar', '-o', out], { cwd: d });
      assert.equal(r.status, 1, r.stderr);
      assert.match(oneLineError(r), /is one of this command's inputs.*refusing to write over it/);
      intact();
    });
  }

  it('export, edit, squash, copy, apply, have and import refuse their input as output', () => {
    const cases: string[][] = [
      ['export', 'img.tar', '-o', 'img.tar'],
      ['edit', 'img.tar', '-o', './img.tar', '--label', 'a=b'],
      ['squash', 'img.tar', '-o', 'img.tar'],
      ['squash', 'img.tar', '--above', 'base.tar', '-o', 'link.tar'],
      ['copy', 'img.tar', 'imghard.tar'],
      ['copy', 'img.tar', 'docker-archive:./img.tar'],
      ['import', 'img.tar', '-o', 'img.tar'],
    ];
    for (const args of cases) {
      const r = stowage(args, { cwd: d });
      // edit had its own check (a usage error, status 2) for the plain spelling; the rest is same-file.ts's.
      assert.ok(r.status === 1 || r.status === 2, `${args.join(' ')}: ${r.status} ${r.stderr}`);
      assert.match(oneLineError(r), /refusing to write over it|is the source itself/, args.join(' '));
      intact();
    }
    assert.equal(stowage(['have', 'base.tar', '-o', 'have.json'], { cwd: d }).status, 0);
    const haveBytes = readFileSync(join(d, 'have.json'));
    const r = stowage(['delta', 'img.tar', '--have', 'have.json', '-o', 'have.json'], { cwd: d });
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /have\.json: is one of this command's inputs/);
    assert.deepEqual(readFileSync(join(d, 'have.json')), haveBytes);
  });

  it('a file inside an input layout is refused; a new output beside the inputs is written (the control case)', () => {
    assert.equal(stowage(['copy', 'img.tar', 'oci:lay'], { cwd: d }).status, 0);
    const index = readFileSync(join(d, 'lay/index.json'));
    const r = stowage(['export', 'oci:lay', '-o', 'lay/index.json'], { cwd: d });
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /is inside lay, one of this command's inputs/);
    assert.deepEqual(readFileSync(join(d, 'lay/index.json')), index);
    assert.equal(stowage(['delta', 'img.tar', '--base', 'base.tar', '-o', 'delta.tar'], { cwd: d }).status, 0);
    intact();
  });
});

describe('a streamed verify reports a real rate (defect 4)', () => {
  it('the time counts from the start of reading: a stream that takes 1.5 s to arrive is not hashed in 0.00 s', async () => {
    // The stream pauses 1.5 s half way: a one-pass verify hashes while it reads, so its time includes the pause.
    const feed = `{ head -c 150000 "$0"; sleep 1.5; tail -c +150001 "$0"; } | "${process.execPath}" "${CLI}" verify - "$@"`;
    const r = await runAsync('sh', ['-c', feed, APP2, '--json'], { env: { STOWAGE_NO_PROGRESS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.ok(rep.bytesHashed > 290_000);
    assert.ok(rep.seconds >= 1.4, `seconds: ${rep.seconds}`);
    const text = await runAsync('sh', ['-c', feed, APP2], { env: { STOWAGE_NO_PROGRESS: '1' } });
    assert.match(text.stdout, /OK: 3 layers, 292 kB hashed in (1\.[4-9]\d|[2-9]\.\d\d) s, \d+(\.\d+)? kB\/s/);
  });
});

describe('a name that is no file says what would work (defect 5)', () => {
  const cases: [string, RegExp][] = [
    ['alpine', /^stowage: alpine: no such file or directory; for an image of the Docker engine say docker-daemon:alpine, for a registry docker:\/\/alpine$/],
    ['app:2', /^stowage: app:2: no such file or directory; .*docker-daemon:app:2.*docker:\/\/app:2$/],
    ['dockerdaemon:foo', /^stowage: dockerdaemon:foo: no such file or directory; did you mean docker-daemon:foo\?$/],
    ['docker:alpine', /did you mean docker:\/\/alpine\?$/],
    ['oci-arhive:x.tar', /did you mean oci-archive:x\.tar\?$/],
    ['./missing.tar', /^stowage: \.\/missing\.tar: no such file or directory$/],
  ];
  for (const [name, pattern] of cases) {
    it(`inspect ${name}`, () => {
      const r = stowage(['inspect', name], { cwd: dir });
      assert.equal(r.status, 1);
      assert.match(oneLineError(r), pattern);
    });
  }
});

describe('squash --above the wrong way round (defect 6)', () => {
  it('says the base is built on the image, not the other way', () => {
    const r = stowage(['squash', APP1, '--above', APP2, '-o', join(dir, 'x.tar')]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /app-2\.tar: is built on stowage-example\/app:1 \(it has 3 layers, stowage-example\/app:1 2\), not below it: --above wants the base/);
    const same = stowage(['squash', APP1, '--above', APP1, '-o', join(dir, 'x.tar')]);
    assert.match(oneLineError(same), /has the same 2 layers as stowage-example\/app:1: nothing above it to squash/);
  });
});

describe('export writes every name in one spelling (defect 7)', () => {
  it('no ./ prefix but on the root, a / after every directory, as docker export writes them', () => {
    // app-2's base layer names entries ./etc/os-release, its upper layers etc/app.conf: the output must not mix.
    const out = join(dir, 'names.tar');
    assert.equal(stowage(['export', APP2, '-o', out]).status, 0);
    const lines = run('tar', ['-tvf', out]).trim().split('\n');
    const names = lines.map((l) => ({ dir: l.startsWith('d'), name: l.replace(/^.*? \d\d:\d\d /, '') }));
    assert.ok(names.length >= 9, lines.join('\n'));
    for (const n of names) {
      if (n.name === './') continue;
      assert.doesNotMatch(n.name, /^\.\/|\/\/|^\//, n.name);
      assert.equal(n.name.endsWith('/'), n.dir, `${n.name}: a directory ends with / and nothing else does`);
    }
    assert.ok(names.some((n) => n.name === 'etc/os-release'), 'the base layer\'s ./etc/os-release is written as etc/os-release');
    assert.equal(names.filter((n) => n.name === './').length, 1);
  });
});
