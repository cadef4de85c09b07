/**
 * Parts written and read back (docs/parts-format.md): payloads around the part boundaries (a multiple of the part
 * payload, one byte more and less, a single part, an empty payload), the parts shuffled and read back from files,
 * a folder and one stream; the file layout checked against the document with plain Buffer reads; random access
 * and a tar read in place through the part files.
 */
import assert from 'node:assert/strict';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  HEADER_SIZE, PART_OVERHEAD, TRAILER_SIZE, openPartOutput, openPartSet, parsePartSize, partLayout, readPartStream, scanParts,
} from '../../src/parts/index.js';
import { readTar } from '../../src/tar/reader.js';
import { TarWriter } from '../../src/tar/writer.js';
import { chunked, collect, folder, makeSet, readDocPart, sha, shuffle } from './helpers.js';

const PART = 1024;
const PP = PART - PART_OVERHEAD; // 816 payload bytes a part

describe('parts: round trip at the part boundaries', () => {
  const sizes: [string, number, number][] = [
    ['an empty payload: one part, header and trailer only', 0, 1],
    ['one byte', 1, 1],
    ['one byte under a part', PP - 1, 1],
    ['exactly one part', PP, 1],
    ['one byte over a part', PP + 1, 2],
    ['exactly three parts', PP * 3, 3],
    ['three parts and one byte', PP * 3 + 1, 4],
    ['twelve parts and a bit', PP * 12 + 333, 13],
  ];
  for (const [what, size, count] of sizes) {
    it(`${what} (${size} bytes)`, async () => {
      const { data, out, dir, w } = await makeSet({ size, partSize: PART });
      assert.equal(w.count, count);
      const names = readdirSync(dir).sort();
      assert.deepEqual(names, Array.from({ length: count }, (_, i) => `release.${String(i + 1).padStart(3, '0')}`), 'the parts and nothing else (no temporary file left)');
      let sum = 0;
      for (const [i, name] of names.entries()) {
        const file = join(dir, name);
        const size = statSync(file).size;
        assert.ok(size <= PART, `${name}: ${size} bytes, over the part size`);
        const p = readDocPart(file);
        assert.equal(p.magic, 'stowage.part/v1\n');
        assert.equal(p.number, i + 1);
        assert.equal(p.count, count);
        assert.equal(p.total, data.length);
        assert.equal(p.offset, i * PP);
        assert.equal(p.partPayload, PP);
        assert.equal(p.setId, w.setId);
        assert.ok(p.headerSumHolds && p.payloadSumHolds && p.headerSumInTrailerHolds, `${name}: its checksums, as the document says`);
        assert.equal(p.trailerMagic, 'stowage.part.end');
        assert.equal(size, HEADER_SIZE + p.length + TRAILER_SIZE);
        assert.ok(p.payload.equals(data.subarray(p.offset, p.offset + p.length)));
        sum += p.length;
      }
      assert.equal(sum, data.length);
      // Shuffled files, read back in order.
      const files = shuffle(names.map((n) => join(dir, n)));
      const set = await openPartSet(files);
      assert.equal(set.name, out);
      const back = await collect(set.payload());
      assert.equal(sha(back), sha(data));
      assert.ok(back.equals(data));
      // The folder, read back.
      assert.ok((await collect((await openPartSet([dir])).payload())).equals(data));
      // One stream: the parts concatenated in order.
      const stream = new PassThrough();
      (async () => {
        for (const n of names) for await (const c of createReadStream(join(dir, n))) if (!stream.write(c)) await new Promise((r) => stream.once('drain', r));
        stream.end();
      })();
      assert.ok((await collect(readPartStream(stream))).equals(data));
    });
  }

  it('every byte offset maps to its part, and reads in place across parts equal the payload', async () => {
    const { data, dir } = await makeSet({ size: PP * 12 + 17, partSize: PART }); // 13 parts: more than the files kept open
    const set = await openPartSet([dir]);
    for (const off of [0, 1, PP - 1, PP, PP + 1, 2 * PP, data.length - 1]) {
      const loc = set.locate(off);
      assert.equal(loc.part.number, Math.floor(off / PP) + 1);
      assert.equal(loc.fileOffset, HEADER_SIZE + (off % PP));
      assert.equal(loc.left, Math.min(PP, data.length - loc.part.offset) - (off % PP));
    }
    for (const [a, n] of [[0, data.length], [PP - 3, 7], [PP, PP], [5, 3 * PP], [data.length - 1, 1], [100, 0]] as const) {
      assert.ok((await collect(set.read(a, n, 100))).equals(data.subarray(a, a + n)), `bytes ${a}+${n}`);
    }
    assert.throws(() => set.locate(data.length), /outside the \d+ bytes of the set/);
    await assert.rejects(collect(set.read(10, data.length)), /run past/);
    // Reads in turn from every part, two at once, as concurrent blob readers would.
    const [a, b] = await Promise.all([collect(set.read(0, data.length, 97)), collect(set.read(PP * 6, PP * 6 + 17, 301))]);
    assert.ok(a.equals(data) && b.equals(data.subarray(PP * 6)));
    await set.close();
    assert.ok((await collect(set.read(PP - 1, 2))).equals(data.subarray(PP - 1, PP + 1)), 'reopens after close');
    await set.close();
  });

  it('a tar archive cut into parts is read in place: its entries come out whole, no copy of the payload', async () => {
    // What a bundle is: a tar. Its index is read, and each blob found by offset, through the part files.
    const tar = new PassThrough();
    const w = new TarWriter(tar);
    const parts: Buffer[] = [];
    tar.on('data', (c: Buffer) => parts.push(c));
    const blobs = [Buffer.alloc(5000, 1), Buffer.alloc(0), Buffer.from('index'), Buffer.alloc(PP * 2 + 1, 7)];
    for (const [i, b] of blobs.entries()) await w.addFile(`blob${i}`, b);
    await w.finish();
    tar.end();
    const archive = Buffer.concat(parts);
    const { dir } = await makeSet({ size: 0, partSize: PART, data: archive });
    const set = await openPartSet([dir]);
    const got: Buffer[] = [];
    for await (const e of readTar(set.byteSource())) {
      got.push(await collect(e.body()));
      // The same bytes, read again by offset as a blob is (random access, not the stream).
      assert.ok((await collect(set.read(e.dataOffset, e.header.size))).equals(got[got.length - 1]!));
    }
    assert.deepEqual(got.map(sha), blobs.map(sha));
    await set.close();
  });

  it('a writer of one output (TarWriter on a stream, commit) writes parts through openPartOutput', async () => {
    const blobs = [Buffer.alloc(3000, 3), Buffer.alloc(PP * 4, 4), Buffer.from('last')];
    const write = async (stream: Writable) => {
      const w = new TarWriter(stream);
      for (const [i, b] of blobs.entries()) await w.add({ name: `b${i}`, type: 'file', size: b.length, mode: 0o644 }, chunked(b));
      await w.finish();
      return w.bytes;
    };
    const sizer = new PassThrough();
    const whole: Buffer[] = [];
    sizer.on('data', (c: Buffer) => whole.push(c));
    const total = await write(sizer);
    const dir = folder();
    const po = await openPartOutput(join(dir, 'bundle'), { partSize: PART, total, setId: sha(Buffer.from('index')) });
    await write(po.stream);
    assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('.')), [], 'nothing under a final name before commit');
    await po.commit();
    assert.equal(po.written!.count, Math.ceil(total / PP));
    assert.deepEqual(readdirSync(dir).sort(), po.files.map((f) => basename(f)));
    const set = await openPartSet([dir]);
    assert.ok((await collect(set.payload())).equals(Buffer.concat(whole)));
  });

  it('the scan says what the set is before any payload is read', async () => {
    const { dir, data, w } = await makeSet({ size: PP * 2 + 5, partSize: PART });
    const scan = await scanParts([dir]);
    assert.deepEqual(scan.problems, []);
    assert.equal(scan.count, 3);
    assert.equal(scan.total, data.length);
    assert.equal(scan.setId, w.setId);
    assert.deepEqual(scan.parts.map((p) => p.number), [1, 2, 3]);
  });
});

describe('parts: sizes as media labels say them', () => {
  it('reads decimal and binary units exactly', () => {
    assert.equal(parsePartSize('4.7GB'), 4_700_000_000);
    assert.equal(parsePartSize('4.35GB'), 4_350_000_000, 'exact, not 4349999999 as floating point gives');
    assert.equal(parsePartSize('700MB'), 700_000_000);
    assert.equal(parsePartSize('25GB'), 25_000_000_000);
    assert.equal(parsePartSize('64MiB'), 64 * 2 ** 20);
    assert.equal(parsePartSize('1048576'), 1_048_576);
    assert.equal(parsePartSize('2kB'), 2000);
    assert.equal(parsePartSize('1.5 KiB'), 1536);
  });
  it('refuses what is not a size, and parts too small', () => {
    for (const bad of ['', 'GB', '4,7GB', '-5MB', '1e9', '10 parsecs', '4.7.1GB']) {
      assert.throws(() => parsePartSize(bad), (e: Error & { exitCode?: number }) => /--part-size wants a size like 4\.7GB/.test(e.message) && e.exitCode === 2, bad);
    }
    assert.throws(() => parsePartSize('1000'), /under the smallest part, 1024 bytes/);
    assert.throws(() => parsePartSize('99999999999TB'), /too large/);
  });
  it('a 4.7GB DVD: each part holds its size less the header and trailer', () => {
    const l = partLayout(20_000_000_000, parsePartSize('4.7GB'));
    assert.equal(l.partPayload, 4_700_000_000 - 208);
    assert.equal(l.count, 5);
  });
});
