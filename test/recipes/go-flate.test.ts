/**
 * go-flate against the real Go toolchain: for each input and level, stowage's encoder must give exactly the bytes of
 * Go's own compress/gzip (the same sha256), on synthetic shapes at block and window edges and on real tars.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { goGzip } from '../../src/compress/recipes/index.js';
import { fixtures } from '../helpers/fixtures.js';
import { GO_SKIP, buildGzipper, goGzipped, goRoot } from './go-reference.js';
import { shapes, text } from './inputs.js';

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function ours(input: Buffer, level: number, chunk = 1 << 20, goWrites = false): Promise<Buffer> {
  async function* chunks() { for (let o = 0; o < input.length; o += chunk) yield input.subarray(o, o + chunk); }
  const out: Buffer[] = [];
  for await (const c of goGzip(chunks(), level, { goWrites })) out.push(c);
  return Buffer.concat(out);
}

function sameBytes(mine: Buffer, go: Buffer, what: string): void {
  if (mine.equals(go)) return;
  let i = 0;
  while (i < mine.length && i < go.length && mine[i] === go[i]) i++;
  assert.fail(`${what}: stowage made ${mine.length} bytes (sha256 ${sha(mine).slice(0, 16)}), Go ${go.length} (${sha(go).slice(0, 16)}); first difference at byte ${i}`);
}

describe('go-flate reproduces Go 1.8-1.26 compress/gzip', { skip: GO_SKIP }, () => {
  let bin = '';
  before(() => { bin = buildGzipper(); });

  for (const level of LEVELS) {
    it(`level ${level}: every shape, byte for byte`, async () => {
      for (const [name, input] of shapes()) {
        sameBytes(await ours(input, level), goGzipped(bin, input, level), `${name} at level ${level}`);
      }
    });
  }

  it('the bytes do not depend on how the input is cut (ours) nor on Go write sizes (Go)', async () => {
    const input = Buffer.concat([text(150000), shapes()[4][1], text(90000)]);
    for (const level of [1, 6]) {
      const go = goGzipped(bin, input, level);
      sameBytes(goGzipped(bin, input, level, 100), go, `Go with 100-byte writes, level ${level}`);
      sameBytes(goGzipped(bin, input, level, 65536), go, `Go with 64 KiB writes, level ${level}`);
      for (const chunk of [1, 1000, 32768, 100000]) sameBytes(await ours(input, level, chunk), go, `chunks of ${chunk}, level ${level}`);
      sameBytes(await ours(input, level, 777, true), go, `777-byte Go writes, level ${level}`);
    }
  });

  it('the output is an ordinary gzip stream with Go\'s header (mtime 0, XFL 4/0/2, OS 255)', async () => {
    const input = text(50000);
    for (const [level, xfl] of [[1, 4], [6, 0], [9, 2]]) {
      const out = await ours(input, level);
      assert.deepEqual([...out.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
      assert.ok(gunzipSync(out).equals(input));
    }
  });

  it('the project fixtures, as one tar, at every level', async () => {
    const { dir } = await fixtures();
    const tar = execFileSync('tar', ['-cf', '-', '-C', dir, '.'], { maxBuffer: 1 << 30 });
    for (const level of LEVELS) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `fixtures tar (${tar.length} bytes) at level ${level}`);
  });

  it('a real source tree tar (Go\'s src/cmd, tens of MB) at levels 1 and 6', async () => {
    const tar = execFileSync('tar', ['-chf', '-', '-C', goRoot(), 'src/cmd'], { maxBuffer: 1 << 30 });
    assert.ok(tar.length > 20e6, `src/cmd tar is ${tar.length} bytes`);
    for (const level of [1, 6]) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `src/cmd tar (${tar.length} bytes) at level ${level}`);
  });

  it('a real tar of binaries (Go\'s pkg/tool) at levels 1 and 6', async () => {
    const tar = execFileSync('tar', ['-chf', '-', '-C', goRoot(), 'pkg/tool'], { maxBuffer: 1 << 30 });
    assert.ok(tar.length > 20e6, `pkg/tool tar is ${tar.length} bytes`);
    for (const level of [1, 6]) sameBytes(await ours(tar, level), goGzipped(bin, tar, level), `pkg/tool tar (${tar.length} bytes) at level ${level}`);
  });
});
