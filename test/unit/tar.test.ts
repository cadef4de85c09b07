import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { FileByteSource, StreamByteSource } from '../../src/tar/bytesource.js';
import { BLOCK, encodeHeader, parseNumeric } from '../../src/tar/header.js';
import { readTar } from '../../src/tar/reader.js';
import { indexTarFile } from '../../src/fs/tar-tree.js';
import { dir as dirEntry, symlink, writeTar } from '../helpers/build-layer.js';
import { scratch } from '../helpers/paths.js';

async function list(file: string): Promise<{ name: string; type: string; size: number; linkname: string; data: string }[]> {
  const src = await FileByteSource.open(file);
  const out = [];
  try {
    for await (const e of readTar(src, { what: file })) {
      const parts: Buffer[] = [];
      for await (const c of e.body()) parts.push(c);
      out.push({ name: e.header.name, type: e.header.type, size: e.header.size, linkname: e.header.linkname, data: Buffer.concat(parts).toString('latin1') });
    }
  } finally {
    // Also when the reader refuses the file: a handle left to the garbage collector makes Node warn.
    await src.close();
  }
  return out;
}

function gnuTar(dir: string, format: string, out: string, names: string[]): void {
  execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', dir, '-cf', out, ...names]);
}

describe('tar reader', () => {
  const dir = scratch();
  const root = join(dir, 'root');
  const long = 'd'.repeat(120) + '/' + 'f'.repeat(130) + '.txt';
  before(() => {
    mkdirSync(join(root, 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(root, long), 'long name');
    writeFileSync(join(root, 'ünïcødé-名前.txt'), 'non-ascii');
    execFileSync('ln', ['-s', 'x'.repeat(150), join(root, 'longlink')]);
  });

  it('reads GNU long names and long link targets (GNU tar --format=gnu)', async () => {
    const f = join(dir, 'gnu.tar');
    gnuTar(root, 'gnu', f, ['.']);
    const entries = await list(f);
    const file = entries.find((e) => e.name.endsWith('.txt') && e.name.includes('fff'))!;
    assert.equal(file.name, './' + long);
    assert.equal(file.data, 'long name');
    assert.equal(entries.find((e) => e.name === './longlink')!.linkname, 'x'.repeat(150));
  });

  it('reads PAX records: long and non-ASCII names (GNU tar --format=pax)', async () => {
    const f = join(dir, 'pax.tar');
    gnuTar(root, 'pax', f, ['.']);
    const entries = await list(f);
    assert.ok(entries.some((e) => e.name === './' + long));
    assert.equal(entries.find((e) => e.name.includes('ünïcødé'))!.data, 'non-ascii');
  });

  it('reads base-256 numeric fields', () => {
    const b = Buffer.alloc(12);
    b[0] = 0x80;
    b.writeUIntBE(9 * 2 ** 32, 6, 6); // 9 * 4 GiB, more than octal's 8 GiB
    assert.equal(parseNumeric(b, 0, 12, 'size'), 9 * 2 ** 32);
    const neg = Buffer.alloc(12, 0xff);
    assert.equal(parseNumeric(neg, 0, 12, 'mtime'), -1);
  });

  it('refuses truncation inside data and inside a header', async () => {
    const f = join(dir, 'cut.tar');
    await writeTar(f, [{ name: 'a', data: 'x'.repeat(3000) }, { name: 'b', data: 'y' }]);
    truncateSync(f, BLOCK + 1000);
    await assert.rejects(list(f), /truncated/);
    truncateSync(f, 200);
    await assert.rejects(list(f), /truncated/);
  });

  it('refuses a file that is not a tar, and an empty one', async () => {
    const f = join(dir, 'junk');
    writeFileSync(f, Buffer.alloc(2048, 0x41));
    await assert.rejects(list(f), /not a tar archive/);
    writeFileSync(f, '');
    await assert.rejects(list(f), /empty file/);
  });

  it('accepts a missing end-of-archive marker, as Go and GNU tar do', async () => {
    const f = join(dir, 'noend.tar');
    await writeTar(f, [{ name: 'a', data: 'hello' }], { noEnd: true });
    assert.deepEqual((await list(f)).map((e) => e.data), ['hello']);
  });

  it('indexes headers without reading data, at the right offsets', async () => {
    const f = join(dir, 'idx.tar');
    await writeTar(f, [{ name: 'one', data: 'x'.repeat(700) }, { name: 'two', data: 'second' }]);
    const idx = await indexTarFile(f, f);
    assert.deepEqual(idx.map((e) => [e.name, e.size, e.dataOffset]), [['one', 700, 512], ['two', 6, 512 + 1024 + 512]]);
    const bytes = readFileSync(f);
    assert.equal(bytes.toString('latin1', idx[1]!.dataOffset, idx[1]!.dataOffset + 6), 'second');
  });

  it('streams from a non-seekable source with the same result', async () => {
    const f = join(dir, 'gnu.tar');
    const { createReadStream } = await import('node:fs');
    const names = [];
    for await (const e of readTar(new StreamByteSource(createReadStream(f, { highWaterMark: 777 })))) names.push(e.header.name);
    assert.deepEqual(names, (await list(f)).map((e) => e.name));
  });
});

describe('tar writer', () => {
  const dir = scratch();
  it('writes long, non-ASCII and big-number headers GNU tar reads back', async () => {
    const f = join(dir, 'w.tar');
    const long = 'a/'.repeat(80) + 'file-with-a-long-name.txt';
    await writeTar(f, [
      { name: long, data: 'L' },
      { name: 'ünï/名前.txt', data: 'U' },
      symlink('link', 'z'.repeat(120)),
      dirEntry('dir'),
    ]);
    const listing = execFileSync('tar', ['-tvf', f]).toString();
    assert.match(listing, new RegExp(long.replace(/[.]/g, '\\.')));
    assert.match(listing, /ünï\/名前\.txt/);
    assert.match(listing, new RegExp(`link -> ${'z'.repeat(120)}`));
    const out = join(dir, 'x');
    mkdirSync(out);
    execFileSync('tar', ['-C', out, '-xf', f]);
    assert.equal(readFileSync(join(out, long), 'utf8'), 'L');
    assert.equal(readFileSync(join(out, 'ünï/名前.txt'), 'utf8'), 'U');
    assert.ok(statSync(join(out, 'dir')).isDirectory());
  });
  it('encodes a ustar header with a valid checksum that the reader decodes', async () => {
    const h = encodeHeader({ name: 'x', size: 5, mtime: 1700000000, mode: 0o755, uid: 1000, gid: 1000, uname: 'u', gname: 'g' });
    assert.equal(h.length, BLOCK);
    const src = new StreamByteSource((async function* () { yield Buffer.concat([h, Buffer.from('hello'), Buffer.alloc(BLOCK - 5), Buffer.alloc(1024)]); })());
    const entries = [];
    for await (const e of readTar(src)) entries.push(e.header);
    assert.deepEqual(
      { name: entries[0]!.name, size: entries[0]!.size, mode: entries[0]!.mode, uid: entries[0]!.uid, mtime: entries[0]!.mtime, uname: entries[0]!.uname },
      { name: 'x', size: 5, mode: 0o755, uid: 1000, mtime: 1700000000, uname: 'u' },
    );
  });
});
