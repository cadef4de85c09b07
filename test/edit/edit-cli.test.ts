/**
 * stowage edit without peers: the guarantees stowage can prove by itself (layers untouched, verify passes,
 * deterministic bytes, tags, dry run) and every bad input (one line on stderr, exit 2 for usage, 1 for bad input,
 * nothing left behind).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { openSource } from '../../src/transports/open.js';
import { corruptFirstLayer } from '../helpers/corrupt.js';
import { writableFrom } from '../../src/image/writable.js';
import { parseDestSpec, writeImages } from '../../src/transports/dest.js';

const dir = scratch('stowage-edit-cli-');
const SRC = join(EXAMPLES, 'app-2.tar');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const ids = (p: string) => {
  const img = json(stowage(['inspect', '--json', p])).images[0];
  return { imageId: img.imageId, diffIds: img.layers.map((l: any) => l.diffId), chainIds: img.layers.map((l: any) => l.chainId), tags: img.tags };
};
const leftovers = () => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe('stowage edit: what it guarantees', () => {
  let orig: ReturnType<typeof ids>;
  before(() => { orig = ids(SRC); });

  it('keeps every layer (DiffIDs, ChainIDs) and the output verifies', () => {
    const out = join(dir, 'a.tar');
    const r = stowage(['edit', SRC, '-o', out, '--label', 'x=1', '--volume', '/data']);
    assert.equal(r.status, 0, r.stderr);
    const got = ids(out);
    assert.deepEqual(got.diffIds, orig.diffIds);
    assert.deepEqual(got.chainIds, orig.chainIds);
    assert.notEqual(got.imageId, orig.imageId);
    assert.deepEqual(got.tags, orig.tags);
    assert.equal(stowage(['verify', '-q', out]).status, 0);
    assert.match(r.stderr, /wrote .*a\.tar: docker-archive \(legacy layout\), 3 layers/);
  });

  it('the same edit gives the same bytes (SOURCE_DATE_EPOCH, or --created, fixes the history time)', () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const [a, b] = ['d1.tar', 'd2.tar'].map((n) => join(dir, n));
    for (const p of [a!, b!]) assert.equal(stowage(['edit', '-q', SRC, '-o', p, '--env', 'A=1'], { env }).status, 0);
    assert.equal(sha(a!), sha(b!));
    const r = json(stowage(['edit', SRC, '--dry-run', '--json', '--env', 'A=1'], { env }));
    assert.equal(r.after.imageId, ids(a!).imageId, 'the dry run predicts the image ID');
    assert.deepEqual(r.diff.at(-1).after.created, '2023-11-14T22:13:20Z');
    const c = json(stowage(['edit', SRC, '--dry-run', '--json', '--created', '2020-01-01T00:00:00Z']));
    assert.equal(c.diff.find((d: any) => d.path.startsWith('history')).after.created, '2020-01-01T00:00:00Z');
  });

  it('--tag replaces the tags, --add-tag keeps them; a tag-only edit keeps the image ID (the config bytes)', () => {
    const out = join(dir, 'tags.tar');
    assert.equal(stowage(['edit', '-q', SRC, '-o', out, '--tag', 'new/name:1', '--tag', 'new/name:2']).status, 0);
    assert.deepEqual(ids(out).tags, ['new/name:1', 'new/name:2']);
    assert.equal(ids(out).imageId, orig.imageId);
    const add = join(dir, 'addtag.tar');
    assert.equal(stowage(['edit', '-q', SRC, '-o', add, '--add-tag', 'extra:1']).status, 0);
    assert.deepEqual(ids(add).tags, [...orig.tags, 'extra:1']);
    const named = join(dir, 'named.tar');
    assert.equal(stowage(['edit', '-q', SRC, '-o', `docker-archive:${named}:other:9`, '--label', 'a=b']).status, 0);
    assert.deepEqual(ids(named).tags, ['other:9']);
  });

  it('--no-history adds no history entry', () => {
    const r = json(stowage(['edit', SRC, '--dry-run', '--json', '--no-history', '--user', 'nobody']));
    assert.deepEqual(r.diff, [{ path: 'config.User', before: '', after: 'nobody' }]);
  });

  it('--dry-run prints the config diff and writes nothing', () => {
    const before = readdirSync(dir).length;
    const r = stowage(['edit', SRC, '--dry-run', '--entrypoint', '["/bin/app","-v"]', '--label-rm', 'org.example.version', '--env', 'APP_MODE=dev']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: nothing written/);
    assert.match(r.stdout, /^ {2}\+ config\.Entrypoint: \["\/bin\/app","-v"\]$/m);
    assert.match(r.stdout, /^ {2}- config\.Labels\["org\.example\.version"\]: "2"$/m);
    assert.match(r.stdout, /^ {2}~ config\.Env\["APP_MODE"\]: "production" -> "dev"$/m);
    assert.match(r.stdout, /^ {2}\+ history\[7\]: .*stowage edit: ENTRYPOINT/m);
    assert.equal(readdirSync(dir).length, before);
  });

  it('reads standard input and writes an OCI layout', async () => {
    const out = join(dir, 'from-stdin');
    const r = await stowagePiped(['edit', '-', '-o', `oci:${out}:v1`, '--clear-cmd'], SRC);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ids(`oci:${out}`).diffIds, orig.diffIds);
    assert.equal(stowage(['verify', '-q', `oci:${out}`]).status, 0);
  });

  it('removing something absent warns on stderr and still writes', () => {
    const out = join(dir, 'absent.tar');
    const r = stowage(['edit', SRC, '-o', out, '--label-rm', 'nope', '--volume-rm', '/nope', '--expose-rm', '80', '--label', 'real=1']);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^stowage: warning: no label named nope to remove$/m);
    assert.match(r.stderr, /^stowage: warning: no volume at \/nope to remove$/m);
    assert.match(r.stderr, /^stowage: warning: no exposed port is 80 to remove$/m);
    assert.ok(existsSync(out));
    const only = stowage(['edit', SRC, '-o', join(dir, 'noop.tar'), '--clear-volumes']);
    assert.equal(only.status, 0);
    assert.match(only.stderr, /warning: nothing changed: the output holds the same image/);
  });
});

describe('stowage edit: bad input', () => {
  let bundle: string;
  before(async () => {
    // A docker archive with two images (app:1 and app:2).
    bundle = join(dir, 'bundle.tar');
    const a = await openSource(join(EXAMPLES, 'app-1.tar'), { seekable: true });
    const b = await openSource(SRC, { seekable: true });
    await writeImages(parseDestSpec(bundle), [writableFrom(a, a.images[0]!), writableFrom(b, b.images[0]!)]);
    await a.close();
    await b.close();
  });

  const usage: [string, string[], RegExp][] = [
    ['no change at all', ['-o', 'x.tar'], /nothing to change/],
    ['no output', ['--label', 'a=b'], /give the output with -o/],
    ['malformed K=V', ['-o', 'x.tar', '--env', 'NOVALUE'], /--env "NOVALUE": expected NAME=VALUE/],
    ['malformed label', ['-o', 'x.tar', '--label', '=x'], /--label "=x": empty key/],
    ['invalid port', ['-o', 'x.tar', '--expose', '99999'], /--expose "99999": port 99999 is outside 1-65535/],
    ['invalid protocol', ['-o', 'x.tar', '--expose-rm', '80/icmp'], /unknown protocol/],
    ['bad JSON entrypoint', ['-o', 'x.tar', '--entrypoint', '[1,2]'], /expected a JSON array of strings/],
    ['contradicting flags', ['-o', 'x.tar', '--cmd', 'x', '--clear-cmd'], /--cmd or --clear-cmd, not both/],
    // A thin docker archive in either layout is fine (engine-paths.test.ts loads one on every engine); an OCI layout is not.
    ['thin OCI', ['-o', 'oci:xdir', '--thin', '--label', 'a=b'], /--thin writes a docker-archive \(a file or -\) or into docker-daemon: only/],
    ['--json to stdout archive', ['-o', '-', '--json', '--label', 'a=b'], /--json prints to standard output/],
    ['tag twice', ['-o', 'docker-archive:x.tar:a:1', '--tag', 'b:2'], /not both/],
    ['dry run with -o', ['--dry-run', '-o', 'x.tar', '--label', 'a=b'], /--dry-run writes nothing/],
    ['bad layout', ['-o', 'x.tar', '--layout', 'new', '--label', 'a=b'], /--layout must be legacy or oci/],
  ];
  for (const [what, args, re] of usage) {
    it(`exit 2: ${what}`, () => {
      const r = stowage(['edit', SRC, ...args], { cwd: dir });
      assert.equal(r.status, 2, r.stderr);
      assert.match(oneLineError(r), re);
      assert.ok(!existsSync(join(dir, 'x.tar')) && !existsSync(join(dir, 'xdir')));
    });
  }

  it('exit 2: an unknown flag, with a suggestion', () => {
    const r = stowage(['edit', SRC, '-o', 'x.tar', '--labels', 'a=b'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option '--labels'\n\(Did you mean --label\?\)/);
  });

  it('exit 2: the output is the input (same path, a hard link, a symlink), which is left untouched', () => {
    const copy = join(dir, 'same.tar');
    writeFileSync(copy, readFileSync(SRC));
    const h = sha(copy);
    linkSync(copy, join(dir, 'same-hard.tar'));
    symlinkSync(copy, join(dir, 'same-sym.tar'));
    for (const o of [copy, join(dir, 'same-hard.tar'), join(dir, 'same-sym.tar'), `docker-archive:${copy}`, './same.tar']) {
      const r = stowage(['edit', copy, '-o', o, '--label', 'a=b'], { cwd: dir });
      assert.equal(r.status, 2, `${o}: ${r.stderr}`);
      assert.match(oneLineError(r), /is the source itself/);
    }
    assert.equal(sha(copy), h);
  });

  it('exit 1: an unknown image in a multi-image archive names the tags there are; no choice names the images', () => {
    const r = stowage(['edit', `${bundle}:stowage-example/app:9`, '-o', join(dir, 'x.tar'), '--label', 'a=b']);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /no image tagged stowage-example\/app:9 \(it has: stowage-example\/app:1, stowage-example\/app:2\)/);
    const amb = stowage(['edit', bundle, '-o', join(dir, 'x.tar'), '--label', 'a=b']);
    assert.equal(amb.status, 1);
    assert.match(oneLineError(amb), /holds 2 images; choose one with PATH:NAME:TAG or PATH:@N/);
    const one = json(stowage(['edit', `${bundle}:@0`, '--dry-run', '--json', '--label', 'a=b']));
    assert.deepEqual(one.before.tags, ['stowage-example/app:1']);
    assert.ok(!existsSync(join(dir, 'x.tar')));
  });

  it('exit 1: a bad source or an output folder that does not exist, leaving nothing behind', () => {
    const junk = join(dir, 'junk.tar');
    writeFileSync(junk, 'not a tar at all');
    const r = stowage(['edit', junk, '-o', join(dir, 'x.tar'), '--label', 'a=b']);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /junk\.tar/);
    const m = stowage(['edit', SRC, '-o', join(dir, 'no/such/x.tar'), '--label', 'a=b']);
    assert.equal(m.status, 1);
    assert.match(oneLineError(m), /does not exist/);
    assert.deepEqual(leftovers(), []);
  });

  it('exit 1: a layer whose bytes do not match its DiffID fails the edit, leaving nothing; --no-verify copies it verbatim', async () => {
    const bad = await corruptFirstLayer(SRC, join(dir, 'corrupt.tar'));
    const out = join(dir, 'from-corrupt.tar');
    const r = stowage(['edit', bad, '-o', out, '--label', 'a=b']);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /layer 1 of stowage-example\/app:2: (bytes hash to|DiffID is) sha256:[0-9a-f]{64}, (expected|but the config says) sha256:3a38b2e3/);
    assert.ok(!existsSync(out));
    assert.deepEqual(leftovers(), []);
    const n = stowage(['edit', '-q', bad, '-o', out, '--label', 'a=b', '--no-verify']);
    assert.equal(n.status, 0, n.stderr);
    assert.equal(stowage(['verify', '-q', out]).status, 1, 'the copy is verbatim, so verify finds the same damage');
  });

  it('--help lists the flags by group, with examples', () => {
    const r = stowage(['edit', '--help']);
    assert.equal(r.status, 0);
    for (const s of ['Config changes:', 'Tags:', '--clear-volumes', '--expose-rm', '--thin', 'Examples:']) assert.ok(r.stdout.includes(s), s);
  });
});
