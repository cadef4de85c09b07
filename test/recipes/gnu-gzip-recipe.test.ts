/**
 * The gnu-gzip recipe: parsed and refused in one line, pointed to by the gzip header, found on blobs the real GNU
 * gzip made (and on the .gz files Debian ships), reproduced and proved; zlib's blobs, which carry the same header,
 * are told apart after a few bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { StowageError } from '../../src/errors.js';
import { GnuGzipWriter, describeRecipe, encodeByRecipe, findRecipe, parseRecipe, recipeCandidates, reproduceBlob, type Recipe } from '../../src/compress/recipes/index.js';
import { GZIP_SKIP, gnuGzipped } from './gnu-gzip-reference.js';
import { mixed, noise, text } from './inputs.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

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

describe('gnu-gzip recipe: parsing and candidates (no peer)', () => {
  it('is parsed in canonical form and described in one line', () => {
    const r = parseRecipe({ level: 9, version: '1.12', encoder: 'gnu-gzip' }, 'x');
    assert.deepEqual(r, { encoder: 'gnu-gzip', version: '1.12', level: 9 });
    assert.deepEqual(Object.keys(r), ['encoder', 'version', 'level']);
    assert.equal(describeRecipe(r), 'gnu-gzip 1.12 level 9');
  });

  it('hostile recipes are refused in one line naming the input', () => {
    const bad: [unknown, RegExp][] = [
      [{ encoder: 'gnu-gzip', version: '1.13', level: 9 }, /layer 2: gnu-gzip recipe version "1.13" is not one stowage reproduces \(known: 1.12\)/],
      [{ encoder: 'gnu-gzip', version: '1.8-1.26', level: 9 }, /gnu-gzip recipe version "1.8-1.26" is not one/],
      [{ encoder: 'go-flate', version: '1.12', level: 9 }, /go-flate recipe version "1.12" is not one/],
      [{ encoder: 'gnu-gzip', version: '1.12' }, /gnu-gzip recipe level missing is out of range \(1 to 9\)/],
      [{ encoder: 'gnu-gzip', version: '1.12', level: 10 }, /level 10 is out of range/],
      [{ encoder: 'gnu-gzip', version: '1.12', level: -1 }, /level -1 is out of range/],
      [{ encoder: 'gnu-gzip', version: '1.12', level: Number.NaN }, /level null is out of range/],
      [{ encoder: 'gnu-gzip', version: '1.12', level: 9, name: 'changelog' }, /gnu-gzip recipe has unknown field "name"/],
      [{ encoder: 'GNU-gzip', version: '1.12', level: 9 }, /unknown recipe encoder "GNU-gzip" \(known: go-flate, gnu-gzip, zlib[^)]*\)/],
      [{ encoder: 'gnu-gzip', version: { toString: 1 }, level: 9 }, /version \{"toString":1\} is not one/],
    ];
    for (const [value, pattern] of bad) assert.throws(() => parseRecipe(value, 'layer 2'), (e) => oneLine(e, pattern));
  });

  it('the header points to it: OS 3, mtime 0, no flags; XFL 2 -> 9, 4 -> 1, 0 -> 6 first', () => {
    const head = (flags: number, mtime: number, xfl: number, os: number) => {
      const b = Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, xfl, os]);
      b.writeUInt32LE(mtime, 4);
      return b;
    };
    const of = (h: Buffer) => recipeCandidates(h).candidates.map((r) => `${r.encoder} ${r.level}`);
    assert.deepEqual(of(head(0, 0, 2, 3)), ['gnu-gzip 9', 'zlib 9']);
    assert.deepEqual(of(head(0, 0, 4, 3)), ['gnu-gzip 1', 'zlib 1']);
    assert.deepEqual(of(head(0, 0, 0, 3)), [6, 2, 3, 4, 5, 7, 8].flatMap((l) => [`gnu-gzip ${l}`, `zlib ${l}`]));
    assert.deepEqual(of(head(0, 0, 2, 255)), ['go-flate 9', 'go-flate 9'], 'OS 255 stays Go\'s (1.8-1.26 and 1.27)');
    assert.deepEqual(of(head(8, 0, 2, 3)), [], 'a stored name (gzip without -n)');
    assert.deepEqual(of(head(0, 1700000000, 2, 3)), [], 'an mtime (gzip without -n)');
    assert.deepEqual(of(head(0, 0, 6, 3)), []);
  });
});

describe('gnu-gzip encoder: streaming (no peer)', () => {
  it('compressed bytes come out while the input goes in, and a reused input buffer does not change them', () => {
    const input = Buffer.concat([text(6 << 20), noise(2 << 20)]);
    const out: Uint8Array[] = [];
    let emitted = 0;
    const w = new GnuGzipWriter(9, (b) => { out.push(b); emitted += b.length; });
    const buf = Buffer.alloc(1 << 20);
    const seen: number[] = [];
    for (let o = 0; o < input.length; o += buf.length) {
      input.copy(buf, 0, o, o + buf.length);
      w.write(buf.subarray(0, Math.min(buf.length, input.length - o)));
      buf.fill(0xa5); // the caller reuses its buffer at once
      seen.push(emitted);
    }
    w.end();
    // Every write after the first has let out more: the encoder holds back at most a block, not the input.
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `write ${i} let nothing out (${seen.join(', ')})`);
    assert.ok(gunzipSync(Buffer.concat(out)).equals(input), 'a real gunzip gives the input back');
  });
});

describe('gnu-gzip recipe: found and reproduced on blobs from the real GNU gzip', { skip: GZIP_SKIP }, () => {
  let input: Buffer;
  before(() => { input = Buffer.concat([mixed(), text(1 << 20), noise(300000, 'r')]); });

  for (const level of [1, 3, 4, 6, 8, 9]) {
    it(`level ${level}: found from the header, confirmed over the whole blob read once, then reproduced`, async () => {
      const blob = gnuGzipped(input, level);
      const digest = digestOf(blob);
      const src = reads(blob);
      const found = await findRecipe(src, digest, `level ${level} blob`);
      assert.deepEqual(found.recipe, { encoder: 'gnu-gzip', version: '1.12', level } satisfies Recipe, found.reason);
      assert.equal(src.taken, blob.length);
      assert.equal(found.uncompressedBytes, input.length);
      assert.match(found.reason, new RegExp(`reproduced by gnu-gzip 1.12 level ${level}`));
      assert.equal(digestOf(await collect(reproduceBlob(found.recipe!, once(input), digest, 'layer'))), digest);
    });
  }

  it('a changelog.gz as Debian ships it is found as gnu-gzip level 9 and made again', async (t) => {
    const dir = '/usr/share/doc';
    const pick = existsSync(dir) ? readdirSync(dir).sort().map((p) => join(dir, p, 'changelog.Debian.gz')).filter((p) => existsSync(p)).slice(0, 5) : [];
    if (pick.length === 0) return t.skip('no /usr/share/doc/*/changelog.Debian.gz here');
    for (const path of pick) {
      const blob = readFileSync(path);
      const found = await findRecipe(reads(blob), digestOf(blob), path);
      assert.deepEqual(found.recipe, { encoder: 'gnu-gzip', version: '1.12', level: 9 }, `${path}: ${found.reason}`);
    }
  });

  it('zlib\'s blobs (Node\'s gzip: the same header) drop out within the first bytes, at levels 1, 6 and 9', async () => {
    const big = Buffer.concat([text(3 << 20), noise(3 << 20)]);
    for (const level of [1, 6, 9]) {
      const blob = gzipSync(big, { level });
      const src = reads(blob);
      const found = await findRecipe(src, digestOf(blob), `zlib level ${level}`);
      assert.equal(found.recipe, null, found.reason);
      assert.match(found.reason, /no candidate reproduces it/);
      for (const tr of found.trials) assert.match(tr.result, /^differs at byte \d+$/);
      assert.ok(src.taken < blob.length / 4, `read ${src.taken} of ${blob.length} bytes`);
    }
  });

  it('a gnu-gzip recipe at the wrong level fails in one line at the end of the stream', async () => {
    const plain = text(100000);
    const blob = gnuGzipped(plain, 9);
    const wrong: Recipe = { encoder: 'gnu-gzip', version: '1.12', level: 8 };
    await assert.rejects(collect(reproduceBlob(wrong, once(plain), digestOf(blob), 'changelog.gz')),
      (e) => oneLine(e, /changelog.gz: gnu-gzip 1.12 level 8 makes sha256:[0-9a-f]{64} \(\d+ bytes\), not sha256:.*does not reproduce/));
    assert.ok((await collect(encodeByRecipe({ ...wrong, level: 9 }, once(plain)))).equals(blob));
  });
});
