/**
 * Recipe detection: blobs made by Go's real compress/gzip are recognised from their header, the level found by
 * recompressing, and confirmed over the whole blob; blobs no recipe makes are said so, after reading only as much
 * as it takes; hostile recipes and digests are one-line errors.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { StowageError } from '../../src/errors.js';
import { findRecipe, parseRecipe, recipeCandidates, reproduceBlob, type Recipe } from '../../src/compress/recipes/index.js';
import { GO_SKIP, buildGzipper, goGzipped } from './go-reference.js';
import { mixed, noise, text } from './inputs.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The blob as a stream of 64 KiB reads, counting how much of it was taken. */
function reads(b: Buffer): AsyncIterable<Buffer> & { taken: number } {
  const src = {
    taken: 0,
    async *[Symbol.asyncIterator]() {
      for (let o = 0; o < b.length; o += 65536) {
        const c = b.subarray(o, o + 65536);
        src.taken += c.length;
        yield c;
      }
    },
  };
  return src;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

async function* once(b: Buffer) { yield b; }

function oneLine(e: unknown, pattern: RegExp): boolean {
  assert.ok(e instanceof StowageError, `a StowageError, not ${String(e)}`);
  assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
  assert.match(e.message, pattern);
  return true;
}

describe('recipes: parsing and candidates (no peer)', () => {
  it('a recipe is checked: unknown encoder, version, field or level out of range is one line naming the input', () => {
    assert.deepEqual(parseRecipe({ encoder: 'go-flate', version: '1.8-1.26', level: 6 }, 'x'), { encoder: 'go-flate', version: '1.8-1.26', level: 6 });
    const bad: [unknown, RegExp][] = [
      [null, /layer 3: a recipe must be an object/],
      [[1], /a recipe must be an object/],
      [{ encoder: 'zopfli', level: 6 }, /layer 3: unknown recipe encoder "zopfli"/],
      [{ encoder: 'go-flate', version: '1.28', level: 6 }, /version "1.28" is not one stowage reproduces/],
      [{ encoder: 'go-flate', version: '1.8-1.26', level: 0 }, /level 0 is out of range \(1 to 9\)/],
      [{ encoder: 'go-flate', version: '1.8-1.26', level: 1e9 }, /level 1000000000 is out of range/],
      [{ encoder: 'go-flate', version: '1.8-1.26', level: '6' }, /level "6" is out of range/],
      [{ encoder: 'go-flate', version: '1.8-1.26', level: 6.5 }, /level 6.5 is out of range/],
      [{ encoder: 'go-flate', version: '1.8-1.26', level: 6, window: 1 }, /unknown field "window"/],
      [{ encoder: 'x'.repeat(5000) }, /unknown recipe encoder "x+\.\.\. \(known: go-flate, gnu-gzip, zlib[^)]*\)$/],
    ];
    for (const [value, pattern] of bad) assert.throws(() => parseRecipe(value, 'layer 3'), (e) => oneLine(e, pattern));
  });

  it('candidates follow the gzip header: XFL 4 -> level 1, XFL 2 -> level 9, XFL 0 -> 6 first; others none', () => {
    const head = (mtime: number, xfl: number, os: number) => Buffer.from([0x1f, 0x8b, 8, 0, mtime & 255, (mtime >>> 8) & 255, (mtime >>> 16) & 255, mtime >>> 24, xfl, os]);
    const levels = (h: Buffer) => recipeCandidates(h).candidates.map((r) => r.level);
    assert.deepEqual(levels(head(0, 4, 255)), [1, 1], 'Go 1.8-1.26 and Go 1.27 write the same header');
    assert.deepEqual(levels(head(0, 2, 255)), [9, 9]);
    assert.deepEqual(levels(head(0, 0, 255)), [6, 6, 2, 2, 3, 3, 4, 4, 5, 5, 7, 7, 8, 8]);
    assert.deepEqual(levels(head(0, 0, 3)), [6, 6, 2, 2, 3, 3, 4, 4, 5, 5, 7, 7, 8, 8], 'GNU gzip and zlib write OS 3: gnu-gzip and zlib candidates');
    assert.deepEqual(levels(head(5, 0, 3)), [], 'gzip without -n: an mtime');
    assert.deepEqual(levels(head(1700000000, 0, 255)), [], 'an mtime: not what Go writes by default');
    assert.match(recipeCandidates(head(0x886e0900, 0, 255)).why, /pgzip/);
    assert.match(recipeCandidates(Buffer.from('{"not":"gzip"}')).why, /not a gzip stream/);
    assert.match(recipeCandidates(gzipSync(Buffer.from('x'))).why, /GNU gzip/);
  });

  it('a blob of another encoder is told after its header alone', async () => {
    const blob = gzipSync(text(300000));
    blob.writeUInt32LE(1700000000, 4); // an mtime, as gzip without -n writes
    const src = reads(blob);
    const found = await findRecipe(src, digestOf(blob), 'zlib blob');
    assert.equal(found.recipe, null);
    assert.match(found.reason, /no reproduced encoder writes \(flags 0, mtime 1700000000, XFL 0, OS 3\)/);
    assert.equal(src.taken, 65536, 'only the first read');
  });

  it('a Go-like header over another encoder\'s stream: every candidate drops out early and reading stops', async () => {
    const blob = gzipSync(Buffer.concat([text(3 << 20), noise(3 << 20)]), { level: 6 });
    blob[9] = 255; // zlib's deflate under Go's header
    const src = reads(blob);
    const found = await findRecipe(src, digestOf(blob), 'disguised');
    assert.equal(found.recipe, null);
    assert.match(found.reason, /no candidate reproduces it/);
    assert.equal(found.trials.length, 14, 'levels 2-8 of Go 1.8-1.26 and of Go 1.27');
    for (const t of found.trials) assert.match(t.result, /^differs at byte \d+$/);
    assert.ok(src.taken < blob.length / 4, `read ${src.taken} of ${blob.length} bytes`);
  });

  it('a truncated or corrupt blob is one line naming it', async () => {
    const blob = gzipSync(text(100000));
    blob[9] = 255;
    const cut = blob.subarray(0, 40);
    // Every candidate may drop out before the decompressor notices; either answer is one line or a null recipe.
    const corrupt = Buffer.from(blob);
    corrupt.fill(0xff, 10, 30);
    await assert.rejects(findRecipe(reads(corrupt), digestOf(corrupt), 'layer sha256:abc'), (e) => oneLine(e, /layer sha256:abc: not a readable gzip stream/));
    const r = await findRecipe(reads(cut), digestOf(cut), 'cut').catch((e) => e);
    assert.ok(r instanceof StowageError ? oneLine(r, /cut: not a readable gzip stream/) : r.recipe === null);
    await assert.rejects(findRecipe(reads(blob), 'md5:abc', 'layer 2'), (e) => oneLine(e, /layer 2: digest "md5:abc" is not sha256/));
  });
});

describe('recipes: found and reproduced on blobs from Go\'s compress/gzip', { skip: GO_SKIP }, () => {
  let bin = '';
  let input: Buffer;
  before(() => {
    bin = buildGzipper();
    input = Buffer.concat([mixed(), text(2 << 20), noise(1 << 20, 'r')]);
  });

  for (const level of [1, 2, 4, 6, 8, 9]) {
    it(`level ${level}: found from the header and confirmed over the whole blob, then reproduced`, async () => {
      const blob = goGzipped(bin, input, level);
      const digest = digestOf(blob);
      const src = reads(blob);
      const found = await findRecipe(src, digest, `level ${level} blob`);
      assert.deepEqual(found.recipe, { encoder: 'go-flate', version: '1.8-1.26', level } satisfies Recipe, found.reason);
      assert.equal(src.taken, blob.length, 'read once, all of it');
      assert.equal(found.uncompressedBytes, input.length);
      assert.match(found.reason, new RegExp(`reproduced by go-flate 1.8-1.26 level ${level}`));
      const again = await collect(reproduceBlob(found.recipe!, once(input), digest, 'layer'));
      assert.equal(digestOf(again), digest);
    });
  }

  it('a blob whose digest is not the one claimed is refused in one line', async () => {
    const blob = goGzipped(bin, text(100000), 6);
    const wrong = digestOf(Buffer.from('other'));
    await assert.rejects(findRecipe(reads(blob), wrong, 'blob sha256:feed'), (e) => oneLine(e, /blob sha256:feed: its bytes hash to sha256:[0-9a-f]{64}, not sha256:/));
  });

  it('a recipe that does not make the digest fails in one line at the end of the stream', async () => {
    const blob = goGzipped(bin, text(100000), 6);
    const wrongLevel: Recipe = { encoder: 'go-flate', version: '1.8-1.26', level: 5 };
    await assert.rejects(collect(reproduceBlob(wrongLevel, once(text(100000)), digestOf(blob), 'layer 1')),
      (e) => oneLine(e, /layer 1: go-flate 1.8-1.26 level 5 makes sha256:[0-9a-f]{64} \(\d+ bytes\), not sha256:.*does not reproduce/));
  });

  it('different content under a matching header: no recipe, said so', async () => {
    const blob = goGzipped(bin, text(500000), 6);
    // A Go level-6 stream whose data was altered after compression cannot be made from what it decompresses to.
    const tampered = Buffer.from(blob);
    tampered[200] ^= 1;
    const found = await findRecipe(reads(tampered), digestOf(tampered), 'tampered').catch((e) => e);
    assert.ok(found instanceof StowageError ? oneLine(found, /tampered: not a readable gzip stream/) : found.recipe === null);
  });
});
