/**
 * go-flate 1.27 against the real Go 1.27 (Debian forky's golang-go, in the forky chroot): for each input and level,
 * stowage's encoder must give exactly the bytes of Go 1.27's own compress/gzip (the same sha256), on the shapes at
 * block and window edges, the project fixtures and real tars of tens of MB; and findRecipe must tell a Go 1.27 blob
 * from a Go 1.19 (1.8-1.26) blob of the same input.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { findRecipe, go127Gzip, parseRecipe, reproduceBlob, type Recipe } from '../../src/compress/recipes/index.js';
import { fixtures } from '../helpers/fixtures.js';
import { GO127_ROOT, GO127_SKIP, buildGo127Gzipper } from './go127-reference.js';
import { GO_SKIP, buildGzipper, goGzipped } from './go-reference.js';
import { mixed, noise, shapes, text } from './inputs.js';

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const digestOf = (b: Buffer) => `sha256:${sha(b)}`;

async function* chunks(input: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let o = 0; o < input.length; o += size) yield input.subarray(o, o + size);
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

const ours = (input: Buffer, level: number, chunk = 1 << 20) => collect(go127Gzip(chunks(input, chunk), level));

function sameBytes(mine: Buffer, go: Buffer, what: string): void {
  if (mine.equals(go)) return;
  let i = 0;
  while (i < mine.length && i < go.length && mine[i] === go[i]) i++;
  assert.fail(`${what}: stowage made ${mine.length} bytes (sha256 ${sha(mine).slice(0, 16)}), Go 1.27 ${go.length} (${sha(go).slice(0, 16)}); first difference at byte ${i}`);
}

function realTar(sub: string): Buffer {
  const tar = execFileSync('tar', ['-chf', '-', '-C', GO127_ROOT, sub], { maxBuffer: 1 << 30 });
  assert.ok(tar.length > 20e6, `${sub} tar is ${tar.length} bytes`);
  return tar;
}

describe('go-flate 1.27 reproduces Go 1.27 compress/gzip', { skip: GO127_SKIP }, () => {
  let bin = '';
  before(() => { bin = buildGo127Gzipper(); });

  for (const level of LEVELS) {
    it(`level ${level}: every shape, byte for byte`, async () => {
      for (const [name, input] of shapes()) {
        sameBytes(await ours(input, level), goGzipped(bin, input, level), `${name} at level ${level}`);
      }
    });
  }

  it('the bytes do not depend on how the input is cut (ours) nor on Go write sizes (Go)', async () => {
    const input = Buffer.concat([text(150000), noise(70000), Buffer.alloc(90000, 3), text(90000)]);
    for (const level of [1, 4, 6, 9]) {
      const go = goGzipped(bin, input, level);
      sameBytes(goGzipped(bin, input, level, 100), go, `Go with 100-byte writes, level ${level}`);
      sameBytes(goGzipped(bin, input, level, 65536), go, `Go with 64 KiB writes, level ${level}`);
      for (const chunk of [1, 1000, 32768, 100000]) sameBytes(await ours(input, level, chunk), go, `chunks of ${chunk}, level ${level}`);
    }
  });

  it('the output is an ordinary gzip stream with Go\'s header, ending in an empty fixed-code block', async () => {
    const input = text(50000);
    for (const [level, xfl] of [[1, 4], [6, 0], [9, 2]]) {
      const out = await ours(input, level);
      assert.deepEqual([...out.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
      assert.ok(gunzipSync(out).equals(input));
    }
    // Go 1.27 ends the stream with 10 bits of fixed codes (03 00), where 1.26 wrote an empty stored block.
    assert.deepEqual([...(await ours(Buffer.alloc(0), 6)).subarray(10, 12)], [3, 0]);
  });

  it('the project fixtures, as one tar, at every level', async () => {
    const { dir } = await fixtures();
    const tar = execFileSync('tar', ['-cf', '-', '-C', dir, '.'], { maxBuffer: 1 << 30 });
    for (const level of LEVELS) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `fixtures tar (${tar.length} bytes) at level ${level}`);
  });

  it('a real source tree tar (Go 1.27\'s src/cmd, tens of MB) at levels 1 and 6', async () => {
    const tar = realTar('src/cmd');
    for (const level of [1, 6]) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `src/cmd tar (${tar.length} bytes) at level ${level}`);
  });

  it('a real tar of binaries (Go 1.27\'s pkg/tool) at levels 1 and 6', async () => {
    const tar = realTar('pkg/tool');
    for (const level of [1, 6]) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `pkg/tool tar (${tar.length} bytes) at level ${level}`);
  });

  it('a real tar (Go 1.27\'s src/cmd/go) at every level', async () => {
    const tar = execFileSync('tar', ['-chf', '-', '-C', GO127_ROOT, 'src/cmd/go'], { maxBuffer: 1 << 30 });
    for (const level of LEVELS) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `src/cmd/go tar (${tar.length} bytes) at level ${level}`);
  });

  it('the recipe value: version 1.27 is known, levels checked as for 1.8-1.26', () => {
    assert.deepEqual(parseRecipe({ encoder: 'go-flate', version: '1.27', level: 6 }, 'x'), { encoder: 'go-flate', version: '1.27', level: 6 });
    assert.throws(() => parseRecipe({ encoder: 'go-flate', version: '1.28', level: 6 }, 'layer 2'), /layer 2: go-flate recipe version "1.28" is not one stowage reproduces \(known: 1.8-1.26, 1.27\)$/);
    assert.throws(() => parseRecipe({ encoder: 'go-flate', version: '1.27', level: 10 }, 'layer 2'), /layer 2: go-flate recipe level 10 is out of range \(1 to 9\)/);
  });
});

describe('go-flate 1.27: findRecipe tells Go 1.27 from Go 1.8-1.26', { skip: GO127_SKIP || GO_SKIP }, () => {
  let go127 = '';
  let go119 = '';
  let input = Buffer.alloc(0);
  before(() => {
    input = Buffer.concat([mixed(), text(2 << 20), noise(1 << 20, 'r')]);
    go127 = buildGo127Gzipper();
    go119 = buildGzipper();
  });

  for (const level of [1, 2, 5, 6, 7, 9]) {
    it(`level ${level}: a Go 1.27 blob is go-flate 1.27, a Go 1.19 blob of the same input 1.8-1.26, each reproduced`, async () => {
      for (const [bin, version] of [[go127, '1.27'], [go119, '1.8-1.26']] as const) {
        const blob = goGzipped(bin, input, level);
        const digest = digestOf(blob);
        let taken = 0;
        async function* reads() { for (let o = 0; o < blob.length; o += 65536) { taken += Math.min(65536, blob.length - o); yield blob.subarray(o, o + 65536); } }
        const found = await findRecipe(reads(), digest, `Go ${version} level ${level} blob`);
        assert.deepEqual(found.recipe, { encoder: 'go-flate', version, level } satisfies Recipe, found.reason);
        assert.equal(taken, blob.length, 'the blob read once');
        const other = found.trials.find((t) => t.recipe.level === level && t.recipe.version !== version);
        assert.ok(other && other.result !== found.trials.find((t) => t.recipe.version === version && t.recipe.level === level)?.result, 'the other version was tried and dropped');
        assert.equal(digestOf(await collect(reproduceBlob(found.recipe!, chunks(input, 1 << 20), digest, 'layer'))), digest);
      }
    });
  }
});
