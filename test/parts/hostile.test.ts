/**
 * Part sets that are not whole (issue 21, bad input): missing, duplicated, foreign, truncated, oversized, damaged,
 * altered and re-checksummed, absurd headers, and the same faults on one stream. Each gives one line naming the
 * part or its number; the cheap pass finds the faults it can before any payload is read.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { StowageError } from '../../src/errors.js';
import { noteInput, forgetInputs } from '../../src/fs/same-file.js';
import {
  PART_OVERHEAD, checkPart, openPartOutput, openPartSet, readPartStream, scanParts, writeParts,
} from '../../src/parts/index.js';
import { readTar } from '../../src/tar/reader.js';
import { TarWriter } from '../../src/tar/writer.js';
import { PassThrough } from 'node:stream';
import { alterAndRechecksum, chunked, collect, folder, makeSet, rewriteHeader, setIdOf, sha } from './helpers.js';

const PART = 1024;
const PP = PART - PART_OVERHEAD;
const SEVEN = PP * 6 + 100; // seven parts

/** A rejection with exactly this one-line message and code. */
async function rejectsWith(p: Promise<unknown>, message: string | RegExp, code?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StowageError, `a StowageError, not ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

const part = (out: string, n: number) => `${out}.${String(n).padStart(3, '0')}`;

describe('parts: missing, duplicated and foreign parts, by number, before any payload is read', () => {
  it('missing parts are named by number; supplied later from another folder, the set reads whole', async () => {
    const { out, dir, data } = await makeSet({ size: SEVEN, partSize: PART });
    const elsewhere = folder();
    for (const n of [3, 5]) {
      copyFileSync(part(out, n), join(elsewhere, `release.00${n}`));
      rmSync(part(out, n));
    }
    // Part 1 damaged too: the missing parts are told first, so no payload was read.
    const one = readFileSync(part(out, 1));
    writeFileSync(part(out, 1), Buffer.concat([one.subarray(0, 200), Buffer.from([one[200]! ^ 1]), one.subarray(201)]));
    await rejectsWith(openPartSet([dir]), `${out}: parts 3 and 5 of 7 are missing`, 'not-found');
    await rejectsWith(openPartSet([part(out, 1), part(out, 2), part(out, 4)]), `${out}: parts 3 and 5-7 of 7 are missing`, 'not-found');
    writeFileSync(part(out, 1), one);
    const set = await openPartSet([dir, elsewhere]);
    assert.ok((await collect(set.payload())).equals(data));
  });

  it('a part given twice from two files is refused; the same file named twice is one part', async () => {
    const { out, dir, data } = await makeSet({ size: SEVEN, partSize: PART });
    const copy = join(folder(), 'release.003');
    copyFileSync(part(out, 3), copy);
    await rejectsWith(openPartSet([dir, copy]), `${out}: part 3 of 7 is given 2 times (${part(out, 3)}, ${copy}); give one`);
    const set = await openPartSet([dir, part(out, 3), part(out, 1)]);
    assert.ok((await collect(set.payload())).equals(data));
  });

  it("a part of another bundle is told apart by its set, even under the right name", async () => {
    const a = await makeSet({ size: SEVEN, partSize: PART, setId: setIdOf('bundle A') });
    const b = await makeSet({ size: SEVEN, partSize: PART, setId: setIdOf('bundle B') });
    copyFileSync(part(b.out, 4), part(a.out, 4));
    const short = (s: string) => `${s.slice(0, 19)}…`;
    await rejectsWith(openPartSet([a.dir]), `${part(a.out, 4)}: from another bundle (set ${short(setIdOf('bundle B'))}, not ${short(setIdOf('bundle A'))} as the other parts)`, 'invalid');
    // Under another name, the set's part 4 is missing as well.
    const renamed = join(folder(), 'stray.001');
    copyFileSync(part(a.out, 4), renamed);
    rmSync(part(a.out, 4));
    const scan = await scanParts([a.dir, renamed]);
    assert.deepEqual(scan.problems.map((p) => p.kind), ['missing', 'foreign']);
    assert.deepEqual(scan.problems[0]!.numbers, [4]);
    // The set asked for (the lead passes the bundle index's digest): B's parts are all foreign.
    await rejectsWith(openPartSet([b.dir], { setId: setIdOf('bundle A') }), new RegExp(`^${b.out}: no part of set sha256:[0-9a-f]{12}… among the 7 files given; ${part(b.out, 1)}: from another bundle`));
  });
});

describe('parts: truncated, oversized and damaged parts', () => {
  it('a truncated part is told by its size in the cheap pass, whatever is cut', async () => {
    const { out, dir } = await makeSet({ size: SEVEN, partSize: PART });
    truncateSync(part(out, 4), 500);
    await rejectsWith(openPartSet([dir]), `${part(out, 4)}: truncated (500 of 1024 bytes)`, 'truncated');
    truncateSync(part(out, 4), 50);
    await rejectsWith(openPartSet([dir]), `${part(out, 4)}: truncated (50 bytes, shorter than a part header)`, 'truncated');
    truncateSync(part(out, 4), 0);
    await rejectsWith(openPartSet([dir]), `${part(out, 4)}: truncated (0 bytes, shorter than a part header)`, 'truncated');
    truncateSync(part(out, 7), 100 + PART_OVERHEAD - 1); // the last part, its trailer's last byte
    const c = await checkPart(part(out, 7));
    assert.equal(c.problem, `${part(out, 7)}: truncated (307 of 308 bytes)`);
  });

  it('a part with bytes added is of the wrong size', async () => {
    const { out, dir } = await makeSet({ size: SEVEN, partSize: PART });
    appendFileSync(part(out, 2), 'x');
    await rejectsWith(openPartSet([dir]), `${part(out, 2)}: 1025 bytes, 1 more than its header says (not a part as written)`);
  });

  it('a damaged payload passes the cheap pass and fails at the end of its part, naming it', async () => {
    const { out, dir, data } = await makeSet({ size: SEVEN, partSize: PART });
    const b = readFileSync(part(out, 3));
    b[128 + 400] ^= 0x10;
    writeFileSync(part(out, 3), b);
    const set = await openPartSet([dir]);
    const got: Buffer[] = [];
    const fail = (async () => { for await (const c of set.payload()) got.push(c); })();
    await rejectsWith(fail, new RegExp(`^${part(out, 3)}: damaged \\(sha256 of its payload is sha256:[0-9a-f]{12}…, its trailer says sha256:[0-9a-f]{12}…\\)$`), 'tampered');
    assert.equal(Buffer.concat(got).length, 3 * PP, 'parts 1 and 2 and the bytes of part 3, no further');
    assert.ok(Buffer.concat(got).subarray(0, 2 * PP).equals(data.subarray(0, 2 * PP)));
    await rejectsWith(set.verify(), new RegExp(`^${part(out, 3)}: damaged \\(sha256`), 'tampered');
    assert.match((await checkPart(part(out, 3))).problem!, /damaged \(sha256/);
    assert.equal((await checkPart(part(out, 2))).ok, true);
  });

  it('a damaged header, a damaged trailer and a trailer from another part are each told', async () => {
    const { out, dir } = await makeSet({ size: SEVEN, partSize: PART });
    rewriteHeader(part(out, 2), (h) => { h[20] ^= 1; }, false);
    await rejectsWith(openPartSet([dir]), `${part(out, 2)}: damaged header (its checksum does not hold)`, 'tampered');
    const { out: o2 } = await makeSet({ size: SEVEN, partSize: PART });
    const t = readFileSync(part(o2, 5));
    t[t.length - 80] ^= 1; // the trailer's magic
    writeFileSync(part(o2, 5), t);
    assert.equal((await checkPart(part(o2, 5))).problem, `${part(o2, 5)}: damaged (its last 80 bytes are not a part trailer)`);
    const a = readFileSync(part(o2, 2));
    const bb = readFileSync(part(o2, 3));
    bb.subarray(bb.length - 80).copy(a, a.length - 80); // part 3's trailer on part 2
    writeFileSync(part(o2, 2), a);
    assert.equal((await checkPart(part(o2, 2))).problem, `${part(o2, 2)}: damaged (its trailer is another part's: it names another header)`);
  });

  it('a part altered and re-checksummed passes alone; the blob it breaks is blamed on it by offset', async () => {
    // The payload a bundle is: a tar of blobs named by their sha256.
    const blobs = Array.from({ length: 6 }, (_, i) => Buffer.alloc(700 + i * 300, i + 1));
    const tar = new PassThrough();
    const chunks: Buffer[] = [];
    tar.on('data', (c: Buffer) => chunks.push(c));
    const w = new TarWriter(tar);
    for (const b of blobs) await w.addFile(sha(b).slice(7), b);
    await w.finish();
    tar.end();
    const { out, dir } = await makeSet({ size: 0, partSize: PART, data: Buffer.concat(chunks) });
    alterAndRechecksum(part(out, 4), 300);
    assert.equal((await checkPart(part(out, 4))).ok, true, 'the altered part proves itself alone');
    const set = await openPartSet([dir]);
    await set.verify(); // and as part of the set
    const blamed: string[] = [];
    for await (const e of readTar(set.byteSource())) {
      const body = await collect(e.body());
      if (sha(body).slice(7) !== e.header.name) {
        // Which byte: the first that differs from what the name promises is unknown to a reader; the blob's
        // start is what it knows, and the offset X where the part lies: the alteration is in the part holding X.
        const x = 3 * PP + 300;
        assert.ok(x >= e.dataOffset && x < e.dataOffset + e.header.size, 'the altered byte lies in this blob');
        blamed.push(set.blame(x, `blob ${e.header.name.slice(0, 12)} does not hash to its name`).message);
      }
    }
    assert.equal(blamed.length, 1);
    assert.match(blamed[0]!, new RegExp(`^${part(out, 4)}: damaged at payload byte ${3 * PP + 300} \\(part 4 of \\d+\\): blob [0-9a-f]{12} does not hash to its name$`));
  });
});

describe('parts: absurd headers (re-checksummed, so the field checks are what refuses them)', () => {
  const cases: [string, (h: Buffer) => void, RegExp][] = [
    ['zero parts', (h) => h.writeUInt32BE(0, 52), /not a valid part header \(0 parts; a set has 1 to 99999\)/],
    ['part 9 of 7', (h) => h.writeUInt32BE(9, 48), /not a valid part header \(part 9 of 7\)/],
    ['a million parts', (h) => h.writeUInt32BE(1_000_000, 52), /not a valid part header \(1000000 parts/],
    ['a length of 2^63', (h) => h.writeBigUInt64BE(2n ** 63n, 72), /not a valid part header \(length 9223372036854775808 is over 2\^53\)/],
    ['a count the sizes do not make', (h) => h.writeUInt32BE(8, 52), /not a valid part header \(8 parts, but \d+ bytes in parts of 816 make 7\)/],
    ['an offset elsewhere', (h) => h.writeBigUInt64BE(5n, 64), /not a valid part header \(part 3 holds bytes 5\+816, not 1632\+816/],
    ['a part payload of 1 byte', (h) => h.writeBigUInt64BE(1n, 56), /not a valid part header \(1 payload bytes a part, under the least, 816\)/],
    ['reserved bytes set', (h) => { h[90] = 1; }, /not a valid part header \(reserved bytes are not zero\)/],
    ['a later version', (h) => h.write('stowage.part/v2\n', 0, 'latin1'), /a part of schema stowage\.part\/v2; this stowage reads stowage\.part\/v1/],
    ['another magic', (h) => h.write('PK\x03\x04', 0, 'latin1'), /not a stowage part \(it does not start with stowage\.part\/v1\)/],
  ];
  for (const [what, edit, expect] of cases) {
    it(what, async () => {
      const { out, dir } = await makeSet({ size: SEVEN, partSize: PART });
      rewriteHeader(part(out, 3), edit);
      const scan = await scanParts([dir]);
      const p = scan.problems.find((x) => x.file === part(out, 3));
      assert.ok(p, `the scan names ${part(out, 3)}: ${JSON.stringify(scan.problems)}`);
      assert.match(p.message, new RegExp(`^${part(out, 3)}: ${expect.source}`));
      await assert.rejects(openPartSet([dir]), StowageError);
    });
  }

  it('a header claiming a 4 PB payload is refused by its size, nothing allocated for it', async () => {
    const { out } = await makeSet({ size: 10, partSize: PART });
    const big = 2 ** 52;
    rewriteHeader(part(out, 1), (h) => {
      h.writeBigUInt64BE(BigInt(big), 56);
      h.writeBigUInt64BE(BigInt(big), 72);
      h.writeBigUInt64BE(BigInt(big), 80);
    });
    await rejectsWith(openPartSet([part(out, 1)]), `${part(out, 1)}: truncated (218 of ${big + PART_OVERHEAD} bytes)`, 'truncated');
  });

  it('files that are not parts, and a folder holding none', async () => {
    const d = folder();
    writeFileSync(join(d, 'notes.001'), 'hello');
    await rejectsWith(openPartSet([d]), /notes\.001: not a stowage part \(it does not start with stowage\.part\/v1\)/);
    const empty = folder();
    writeFileSync(join(empty, 'README'), 'hello');
    await rejectsWith(openPartSet([empty]), `${empty}: holds no part files (OUT.001, OUT.002, ...)`, 'not-found');
    await rejectsWith(openPartSet([join(empty, 'nothing.001')]), /nothing\.001: no such file or directory \(ENOENT\)/);
  });
});

/** The parts of `out` in this order, concatenated as a stream. */
function streamOf(files: string[], cut?: number): Readable {
  let b = Buffer.concat(files.map((f) => readFileSync(f)));
  if (cut !== undefined) b = b.subarray(0, cut);
  return Readable.from(chunked(b, 11));
}

describe('parts: one stream of parts (standard input), in order', () => {
  it('missing, out of order, repeated, foreign, cut short, damaged, followed by more bytes', async () => {
    const { out, data } = await makeSet({ size: SEVEN, partSize: PART, setId: setIdOf('A') });
    const other = await makeSet({ size: SEVEN, partSize: PART, setId: setIdOf('B') });
    const p = (ns: number[]) => ns.map((n) => part(out, n));
    assert.ok((await collect(readPartStream(streamOf(p([1, 2, 3, 4, 5, 6, 7]))))).equals(data));
    await rejectsWith(collect(readPartStream(streamOf(p([1, 2, 4, 5, 6, 7])))), 'standard input: part 3 of 7 is missing (part 4 came after part 2; on a stream, parts come in order)', 'not-found');
    await rejectsWith(collect(readPartStream(streamOf(p([2, 3, 4, 5, 6, 7])))), 'standard input: part 1 of 7 is missing (the input starts with part 2; on a stream, parts come in order)', 'not-found');
    await rejectsWith(collect(readPartStream(streamOf(p([1, 2, 2, 3])))), 'standard input: part 2 of 7: came again or out of order after part 2 (on a stream, parts come once, in order)');
    await rejectsWith(collect(readPartStream(streamOf([...p([1, 2]), part(other.out, 3)]))), /^standard input: part 3 of 7: from another bundle \(set sha256:[0-9a-f]{12}…, not sha256:[0-9a-f]{12}…\)$/);
    await rejectsWith(collect(readPartStream(streamOf(p([1, 2, 3, 4, 5])))), 'standard input: parts 6 and 7 of 7 are missing (the input ended after part 5)', 'truncated');
    await rejectsWith(collect(readPartStream(streamOf(p([1, 2, 3]), 2 * PART + 500))), 'standard input: part 3 of 7: truncated (372 of its 816 payload bytes came)', 'truncated');
    await rejectsWith(collect(readPartStream(streamOf(p([1, 2, 3]), 3 * PART - 10))), 'standard input: part 3 of 7: truncated (the input ends inside its trailer)', 'truncated');
    await rejectsWith(collect(readPartStream(Readable.from([Buffer.concat([...p([1, 2, 3, 4, 5, 6, 7]).map((f) => readFileSync(f)), Buffer.from('junk')])]))), `standard input: more bytes after the last part (part 7 of 7), at byte ${6 * PART + 100 + PART_OVERHEAD}`);
    await rejectsWith(collect(readPartStream(Readable.from([]))), 'standard input: empty; no part came', 'truncated');
    const bad = Buffer.concat(p([1, 2, 3, 4, 5, 6, 7]).map((f) => readFileSync(f)));
    bad[PART + 128 + 5] ^= 1;
    await rejectsWith(collect(readPartStream(Readable.from([bad]))), /^standard input: part 2 of 7: damaged \(sha256 of its payload/, 'tampered');
  });
});

describe('parts: the writer refuses what it must, and leaves nothing behind when it fails', () => {
  const opts = (total: number) => ({ partSize: PART, total, setId: setIdOf('w') });

  it('an existing part set is not replaced unless asked; replaced, its extra parts go', async () => {
    const { out, dir } = await makeSet({ size: SEVEN, partSize: PART });
    await rejectsWith(writeParts(chunked(Buffer.alloc(10)), out, opts(10)), `${part(out, 1)}: already exists (a part set is there); refusing to replace it: remove it or choose another name`);
    assert.equal(readdirSync(dir).length, 7, 'the old set untouched');
    const fresh = Buffer.alloc(PP + 1, 9);
    await writeParts(chunked(fresh), out, { ...opts(fresh.length), overwrite: true });
    assert.deepEqual(readdirSync(dir).sort(), ['release.001', 'release.002'], 'the old parts 3 to 7 are gone');
    assert.ok((await collect((await openPartSet([dir])).payload())).equals(fresh));
  });

  it('never writes a part over one of the command\'s inputs', async () => {
    const { out } = await makeSet({ size: SEVEN, partSize: PART });
    noteInput(part(out, 2));
    try {
      await rejectsWith(writeParts(chunked(Buffer.alloc(10)), out, { ...opts(10), overwrite: true }), /release\.00\d: is one of this command's inputs; refusing to write over it/);
    } finally {
      forgetInputs();
    }
  });

  it('standard output, a folder, a missing folder and too many parts are refused in one line', async () => {
    await rejectsWith(openPartOutput('-', opts(10)), /^-: standard output is not a part set; parts are files/, 'usage');
    const d = folder();
    await rejectsWith(openPartOutput(d, opts(10)), new RegExp(`^${d}: is a folder; give the name the parts are numbered after`), 'usage');
    await rejectsWith(openPartOutput(join(d, 'no/such/out'), opts(10)), /the folder .*no\/such does not exist/, 'not-found');
    await rejectsWith(openPartOutput(join(d, 'out'), opts(816 * 100_000)), /would make 100000 parts; a set has at most 99999: give a larger part size/, 'limit');
    assert.deepEqual(readdirSync(d), []);
  });

  it('a payload shorter or longer than declared, or an abort, leaves no part and no temporary file', async () => {
    const d = folder();
    await rejectsWith(writeParts(chunked(Buffer.alloc(2000)), join(d, 'short'), opts(3000)), `${join(d, 'short')}: the payload ended after 2000 of the 3000 bytes declared; no part written`, 'truncated');
    await rejectsWith(writeParts(chunked(Buffer.alloc(4000)), join(d, 'long'), opts(3000)), `${join(d, 'long')}: more than the 3000 payload bytes declared were written; no part written`);
    const po = await openPartOutput(join(d, 'cut'), opts(5000));
    po.stream.write(Buffer.alloc(2500));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(readdirSync(d).some((n) => n.startsWith('.cut.001.stowage-')), 'parts are written under temporary names');
    assert.ok(!readdirSync(d).some((n) => !n.startsWith('.')), 'nothing under a final name before commit');
    await po.abort();
    assert.deepEqual(readdirSync(d), []);
  });
});
