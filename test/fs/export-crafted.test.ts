/**
 * `stowage export` on crafted layers: every whiteout, opaque-directory and hard-link rule the merge implements, the
 * untrusted entries it refuses, and byte-exact copies of unchanged entries. No peer needed (the same rules are
 * checked against dockerd and umoci in export-peers.test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { fixtures } from '../helpers/fixtures.js';
import { scratch } from '../helpers/paths.js';
import { compareListings, listTar } from './fs-helpers.js';
import { imageArchive } from '../helpers/build-image.js';
import { dir, file, hardlink, symlink, tarOf, whiteout, type LayerEntry } from '../helpers/build-layer.js';
import { tarEntries } from '../helpers/tar-entries.js';

const tmp = scratch('stowage-fs-crafted-');
let n = 0;

/** Builds an image from layers (bottom first), exports it, and lists the result. */
async function exportLayers(layers: LayerEntry[][], args: string[] = []): Promise<{ list: Awaited<ReturnType<typeof listTar>>; out: string; stderr: string }> {
  const archive = join(tmp, `img${++n}.tar`);
  await imageArchive(archive, await Promise.all(layers.map((l) => tarOf(l))));
  const out = join(tmp, `out${n}.tar`);
  const r = stowage(['export', archive, '-o', out, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return { list: await listTar(out), out, stderr: r.stderr };
}

async function exportFails(layers: LayerEntry[][]): Promise<string> {
  const archive = join(tmp, `bad${++n}.tar`);
  await imageArchive(archive, await Promise.all(layers.map((l) => tarOf(l))));
  const out = join(tmp, `bad-out${n}.tar`);
  const r = stowage(['export', archive, '-o', out]);
  assert.equal(r.status, 1, r.stderr);
  assert.throws(() => readFileSync(out), 'nothing is left under the output name');
  return oneLineError(r);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('stowage export: whiteouts and opaque directories', () => {
  it('a file whiteout deletes the file of lower layers only; a directory whiteout deletes all below it', async () => {
    const { list } = await exportLayers([
      [dir('a'), file('a/x', 'x'), file('a/y', 'y'), dir('d'), dir('d/e'), file('d/e/f', 'f'), file('keep', 'k')],
      [whiteout('a/x'), whiteout('d'), file('a/.wh.y', ''), file('a/y', 'new y')],
    ]);
    assert.deepEqual([...list.keys()].sort(), ['a', 'a/y', 'keep']);
    assert.equal(list.get('a/y')!.sha, sha('new y'), 'a whiteout in the same layer does not delete that layer\'s own file');
  });

  it('an opaque directory hides what lower layers hold in it, not what its own layer puts there', async () => {
    const { list } = await exportLayers([
      [dir('o', { mode: 0o700 }), file('o/old', 'old'), dir('o/sub'), file('o/sub/deep', 'd')],
      [file('o/new', 'new'), file('o/.wh..wh..opq', '')],
    ]);
    assert.deepEqual([...list.keys()].sort(), ['o', 'o/new']);
    assert.equal(list.get('o')!.mode, 0o700, 'the directory itself stays (from the lower layer)');
  });

  it('a file replaced by a directory and back; a directory replaced by a symlink', async () => {
    const { list } = await exportLayers([
      [file('x', 'file one'), dir('d'), file('d/inside', 'i')],
      [dir('x'), file('x/f', 'in dir'), symlink('d', '/elsewhere')],
      [file('x', 'file again')],
    ]);
    assert.deepEqual([...list.keys()].sort(), ['d', 'x']);
    assert.equal(list.get('x')!.sha, sha('file again'));
    assert.equal(list.get('d')!.type, 'symlink');
    assert.equal(list.get('d')!.link, '/elsewhere');
  });

  it('a directory whiteout followed by a new directory of the same name starts empty', async () => {
    const { list } = await exportLayers([
      [dir('w'), file('w/old', 'o')],
      [whiteout('w')],
      [dir('w'), file('w/new', 'n')],
    ]);
    assert.deepEqual([...list.keys()].sort(), ['w', 'w/new']);
  });

  it('AUFS metadata (.wh..wh.plnk) is dropped, as docker does; an empty layer is a layer', async () => {
    const archive = join(tmp, 'aufs.tar');
    await imageArchive(archive, [await tarOf([file('a', 'a'), dir('.wh..wh.plnk'), file('.wh..wh.plnk/123.456', 'x')]), Buffer.alloc(10240)]);
    const out = join(tmp, 'aufs-out.tar');
    const r = stowage(['export', archive, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([...(await listTar(out)).keys()], ['a']);
  });
});

describe('stowage export: hard links', () => {
  it('go-containerregistry #2002: a link keeps the content its target had when the target is later replaced', async () => {
    // The layers of the PR that fixes #2002: t2; t1 -> t2 and t3 -> t1; then t1 is rewritten.
    const { list } = await exportLayers([
      [file('t2', '123\n')],
      [hardlink('t1', 't2'), hardlink('t3', 't1')],
      [file('t1', '456\n')],
    ]);
    assert.equal(list.get('t1')!.sha, sha('456\n'));
    assert.equal(list.get('t2')!.sha, sha('123\n'));
    assert.equal(list.get('t3')!.sha, sha('123\n'));
    assert.deepEqual(list.get('t3')!.group, ['t2', 't3']);
    assert.equal(list.get('t1')!.group, undefined);
  });

  it('the layout docker writes (t1 the file, t2 and t3 links to it, all in one layer) with t1 then replaced', async () => {
    // Needs the content of t1, which went by unwritten: the layer is read a second time.
    const { list } = await exportLayers([
      [file('t2', 'old\n')],
      [file('t1', '123\n', { mode: 0o640, uid: 7 }), hardlink('t2', 't1'), hardlink('t3', 't1')],
      [file('t1', '456\n')],
    ]);
    assert.equal(list.get('t1')!.sha, sha('456\n'));
    assert.equal(list.get('t2')!.sha, sha('123\n'));
    assert.equal(list.get('t2')!.mode, 0o640, 'the content keeps its inode\'s metadata');
    assert.equal(list.get('t2')!.uid, 7);
    assert.deepEqual(list.get('t3')!.group, ['t2', 't3']);
  });

  it('a link to a file of a lower layer that a later layer deletes keeps the content', async () => {
    const { list } = await exportLayers([
      [dir('lib'), file('lib/a.so', 'library')],
      [hardlink('lib/b.so', 'lib/a.so')],
      [whiteout('lib/a.so')],
    ]);
    assert.deepEqual([...list.keys()].sort(), ['lib', 'lib/b.so']);
    assert.equal(list.get('lib/b.so')!.sha, sha('library'));
  });

  it('a link to a lower file that stays is written after it, pointing to it', async () => {
    const { list, out } = await exportLayers([
      [file('orig', 'data')],
      [hardlink('copy', 'orig')],
    ]);
    assert.deepEqual(list.get('copy')!.group, ['copy', 'orig']);
    const names = tarEntries(out).map((h) => h.name);
    assert.ok(names.indexOf('orig') < names.indexOf('copy'), 'a link comes after its target');
  });

  it('a link whose target was deleted before the link was made points to nothing: refused', async () => {
    const msg = await exportFails([
      [file('gone', 'g')],
      [whiteout('gone')],
      [hardlink('link', 'gone')],
    ]);
    assert.match(msg, /hard link "link" points to "gone", which a layer below it removed/);
  });

  it('a link to nothing, to a directory, out of the root: refused with one line', async () => {
    assert.match(await exportFails([[file('a', 'a')], [hardlink('l', 'missing')]]), /points to "missing", which no layer below it has/);
    assert.match(await exportFails([[dir('d')], [hardlink('l', 'd')]]), /points to "d", a directory/);
    assert.match(await exportFails([[file('a', 'a'), hardlink('l', '../a')]]), /climbs out of the root/);
    assert.match(await exportFails([[file('a', 'a'), hardlink('l', '/a')]]), /absolute name/);
  });
});

describe('stowage export: untrusted names', () => {
  it('absolute names, "..", whiteouts of ".." are refused', async () => {
    assert.match(await exportFails([[file('/etc/passwd', 'x')]]), /"\/etc\/passwd" is an absolute name; refusing it/);
    assert.match(await exportFails([[file('a/../../x', 'x')]]), /climbs out of the root/);
    assert.match(await exportFails([[file('a/.wh..', '')]]), /whiteout "a\/.wh.." names no file/);
    assert.match(await exportFails([[file('.wh.', '')]]), /names no file/);
  });

  it('an entry under a symlink (docker would follow it) is refused', async () => {
    assert.match(await exportFails([[symlink('bin', 'usr/bin')], [file('bin/tool', 't')]]), /"bin" is a symlink, but a layer above puts entries under it/);
    assert.match(await exportFails([[symlink('etc', '/tmp'), file('etc/x', 'x')]]), /lies under "etc", which this layer makes a non-directory/);
  });
});

describe('stowage export: entries are copied byte for byte', () => {
  it('PAX records (xattrs, sub-second times), long and non-ASCII names, owners, special modes survive', async () => {
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(200);
    const entries: LayerEntry[] = [
      dir('d'.repeat(120)),
      file(long, 'long'),
      file('caps', 'bin', { mode: 0o4755, uid: 1000, gid: 50, uname: 'u', gname: 'g', mtime: 1700000000.25, pax: { 'SCHILY.xattr.security.capability': 'AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'SCHILY.xattr.user.note': 'é' } }),
      dir('sticky', { mode: 0o1777 }),
      file('名前-é.txt', 'x'),
      { name: 'fifo', type: 'fifo', mode: 0o600 },
      { name: 'null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
    ];
    const l = await tarOf(entries);
    const { out } = await exportLayers([entries]);
    // The output is the layer's entries in the same order, same bytes (the end-of-archive blocks aside).
    const outBytes = readFileSync(out);
    assert.ok(outBytes.subarray(0, l.length - 1024).equals(l.subarray(0, l.length - 1024)));
    const list = await listTar(out);
    assert.equal(list.get('caps')!.mode, 0o4755);
    assert.equal(list.get('sticky')!.mode, 0o1777);
    assert.equal(list.get(long)!.sha, sha('long'));
    assert.equal(list.get('null')!.type, 'char');
  });

  it('entries after a PAX global header are re-encoded with its records, not copied with it', async () => {
    const g = Buffer.from('17 comment=hello\n');
    const head = Buffer.alloc(512);
    head.write('pax_global_header', 0);
    head.write('0000644\0', 100);
    head.write('0000000\0', 108);
    head.write('0000000\0', 116);
    head.write(g.length.toString(8).padStart(11, '0') + '\0', 124);
    head.write('00000000000\0', 136);
    head.write('g', 156);
    head.write('ustar\x0000', 257);
    head.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of head) sum += b;
    head.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const body = Buffer.concat([g, Buffer.alloc(512 - g.length)]);
    const lower = await tarOf([file('a', 'a')]);
    const upper = Buffer.concat([head, body, await tarOf([file('b', 'b', { uid: 5 })])]);
    const archive = join(tmp, 'global.tar');
    await imageArchive(archive, [lower, upper]);
    const out = join(tmp, 'global-out.tar');
    const r = stowage(['export', archive, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const types: string[] = [];
    for (const h of tarEntries(out)) {
      types.push(h.name);
      if (h.name === 'b') assert.equal(h.pax?.comment, 'hello');
      if (h.name === 'a') assert.equal(h.pax?.comment, undefined, 'the global record does not reach other layers');
    }
    assert.deepEqual(types, ['b', 'a']);
  });
});

describe('stowage export: any source', () => {
  it('gzip and zstd layers, and an archive on standard input, give the same filesystem as plain layers', async () => {
    const layers = [
      await tarOf([dir('d'), file('d/a', 'a'), file('d/b', 'b'), file('t2', '123\n')]),
      await tarOf([whiteout('d/a'), hardlink('t1', 't2')]),
      await tarOf([file('t2', '456\n')]),
    ];
    const plain = join(tmp, 'plain.tar');
    await imageArchive(plain, layers);
    const packed = join(tmp, 'packed.tar');
    const zstd = spawnSync('zstd', ['--version']).status === 0;
    await imageArchive(packed, layers, {
      storage: (l, i) => (i === 1 && zstd ? { stored: execFileSync('zstd', ['-q', '-c'], { input: l }) } : 'gzip'),
    });
    const outs = [join(tmp, 'plain-out.tar'), join(tmp, 'packed-out.tar'), join(tmp, 'stdin-out.tar')];
    assert.equal(stowage(['export', plain, '-o', outs[0]!]).status, 0);
    const r = stowage(['export', packed, '-o', outs[1]!]);
    assert.equal(r.status, 0, r.stderr);
    const piped = await stowagePiped(['export', '-', '-o', outs[2]!], packed);
    assert.equal(piped.status, 0, piped.stderr);
    const want = await listTar(outs[0]!);
    assert.deepEqual([...want.keys()].sort(), ['d', 'd/b', 't1', 't2']);
    assert.equal(want.get('t1')!.sha, sha('123\n'));
    for (const o of outs.slice(1)) assert.deepEqual(compareListings(await listTar(o), want, [o, 'plain']), []);
    assert.ok(readFileSync(outs[1]!).equals(readFileSync(outs[0]!)), 'the same bytes, whatever the compression');
  });
});

describe('stowage export: the generated whiteout fixtures', () => {
  // The shapes and documented expectations of go-containerregistry's pkg/v1/mutate TestExtractWhiteout,
  // TestExtractWhiteoutDir and TestExtractOverwrittenFile (scripts/fixtures/generate.mjs writes the same shapes;
  // test/conformance/ggcr-fixtures.test.ts exports ggcr's own files when ../shared is there).
  let dir = '';
  before(async () => { dir = (await fixtures()).dir; });

  it('whiteout-image.tar: foo.txt is deleted, bar.txt stays', async () => {
    const out = join(tmp, 'gen-wi.tar');
    assert.equal(stowage(['export', join(dir, 'whiteout-image.tar'), '-o', out]).status, 0);
    assert.deepEqual([...(await listTar(out)).keys()], ['bar.txt']);
  });

  it('whiteout-dir.tar: the whited-out directory a/ loses foo; a/baz (re-added above) and b/bar stay', async () => {
    const out = join(tmp, 'gen-wd.tar');
    assert.equal(stowage(['export', join(dir, 'whiteout-dir.tar'), '-o', out]).status, 0);
    assert.deepEqual([...(await listTar(out)).keys()].sort(), ['a', 'a/baz', 'b', 'b/bar']);
  });

  it('overwritten-file.tar: foo.txt is the later symlink to bar.txt, not the first file', async () => {
    const out = join(tmp, 'gen-of.tar');
    assert.equal(stowage(['export', join(dir, 'overwritten-file.tar'), '-o', out]).status, 0);
    const list = await listTar(out);
    assert.equal(list.get('foo.txt')!.type, 'symlink');
    assert.equal(list.get('foo.txt')!.link, 'bar.txt');
  });
});
