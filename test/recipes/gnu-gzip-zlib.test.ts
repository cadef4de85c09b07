/**
 * The zlib recipe against vanilla zlib 1.2.13 (Debian bookworm's libz, through python3's zlib module: windowBits 31,
 * memLevel 8, the default strategy): the same sha256 at every level on the shapes, the fixtures, real files and a
 * tar; found by findRecipe on zlib's blobs, where the gnu-gzip candidates drop out; Node's own zlib is neither.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { findRecipe, reproduceBlob, zlibGzip } from '../../src/compress/recipes/index.js';
import { fixtures } from '../helpers/fixtures.js';
import { skipUnless } from '../helpers/peers.js';
import { mixed, noise, shapes, text } from './inputs.js';

const PY = 'import sys,zlib\nl=int(sys.argv[1])\nc=zlib.compressobj(l,zlib.DEFLATED,31,8)\nsys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())';

function zlibVersion(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)']).toString().trim();
  } catch {
    return undefined;
  }
}
const version = skipUnless('python3') ? undefined : zlibVersion();
const ZLIB_SKIP = skipUnless('python3')
  || (version !== '1.2.13' && `python3's zlib is ${version ?? 'missing'}, the recipe reproduces 1.2.13 (Debian bookworm's libz)`);

/** `input` gzip'd by vanilla zlib at `level`, all of it given to one deflate call as Python does. */
function zlibGzipped(input: Buffer, level: number): Buffer {
  return execFileSync('python3', ['-c', PY, String(level)], { input, maxBuffer: 1 << 30 });
}

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const digestOf = (b: Buffer) => `sha256:${sha(b)}`;

async function ours(input: Buffer, level: number, chunk = 1 << 20): Promise<Buffer> {
  async function* chunks() { for (let o = 0; o < input.length; o += chunk) yield input.subarray(o, o + chunk); }
  const out: Buffer[] = [];
  for await (const c of zlibGzip(chunks(), level)) out.push(c);
  return Buffer.concat(out);
}

function sameBytes(mine: Buffer, ref: Buffer, what: string): void {
  if (mine.equals(ref)) return;
  let i = 0;
  while (i < mine.length && i < ref.length && mine[i] === ref[i]) i++;
  assert.fail(`${what}: stowage made ${mine.length} bytes (sha256 ${sha(mine).slice(0, 16)}), zlib ${ref.length} (${sha(ref).slice(0, 16)}); first difference at byte ${i}`);
}

/** zlib's block edges (16383 symbols) and gzip's (where the two part), window edges, end-of-input repeats. */
function zlibShapes(withShared: boolean): [string, Buffer][] {
  const t = text(150000);
  return [
    ...(withShared ? shapes() : shapes().slice(0, 7)),
    ...[16382, 16383, 16384, 18990, 32767, 65274, 65275, 65536, 98042].map((n): [string, Buffer] => [`${n} bytes of noise`, noise(n, `z${n}`)]),
    ...[16383, 65275, 65536, 65537, 98042].map((n): [string, Buffer] => [`${n} bytes of text`, text(n)]),
    ['text ending in a copy of its last 300 bytes', Buffer.concat([t, t.subarray(t.length - 300)])],
    ['65400 bytes ending in repeats', Buffer.concat([text(65000), Buffer.alloc(400, 'ab')])],
  ];
}

describe('zlib recipe reproduces vanilla zlib 1.2.13', { skip: ZLIB_SKIP }, () => {
  // Every shape at the levels producers use; the edge shapes alone at the others (each reference is a python3 run).
  for (const level of LEVELS) {
    const all = [1, 6, 9].includes(level);
    it(`level ${level}: ${all ? 'every shape' : 'the edge shapes'}, byte for byte`, async () => {
      for (const [name, input] of zlibShapes(all)) sameBytes(await ours(input, level), zlibGzipped(input, level), `${name} at level ${level}`);
    });
  }

  it('the bytes do not depend on how the input is cut', async () => {
    const input = Buffer.concat([mixed(), text(100000)]);
    for (const level of [1, 6, 9]) {
      const ref = zlibGzipped(input, level);
      for (const chunk of [777, 65536, 100000]) sameBytes(await ours(input, level, chunk), ref, `chunks of ${chunk}, level ${level}`);
    }
  });

  it('the project fixtures, as one tar, at every level', async () => {
    const { dir } = await fixtures();
    const tar = execFileSync('tar', ['-cf', '-', '-C', dir, '.'], { maxBuffer: 1 << 30 });
    for (const level of LEVELS) sameBytes(await ours(tar, level), zlibGzipped(tar, level), `fixtures tar (${tar.length} bytes) at level ${level}`);
  });

  it('real files: man pages decompressed (1 in 400) and binaries, at levels 1, 6 and 9', async (t) => {
    const man = existsSync('/usr/share/man/man1') ? readdirSync('/usr/share/man/man1').sort().filter((n) => n.endsWith('.gz')).filter((_, i) => i % 400 === 0).map((n) => gunzipSync(readFileSync(join('/usr/share/man/man1', n)))) : [];
    const bins = ['bash', 'tar', 'sed'].map((n) => `/usr/bin/${n}`).filter((p) => existsSync(p)).map((p) => readFileSync(p));
    if (man.length + bins.length < 5) return t.skip('too few man pages and binaries here');
    for (const [i, input] of [...man, ...bins].entries()) {
      for (const level of [1, 6, 9]) sameBytes(await ours(input, level), zlibGzipped(input, level), `real file ${i} (${input.length} bytes) at level ${level}`);
    }
  });

  it('a tar of /usr/share/perl at levels 6 and 9', async (t) => {
    if (!existsSync('/usr/share/perl')) return t.skip('no /usr/share/perl');
    const tar = execFileSync('tar', ['-cf', '-', '-C', '/usr/share', 'perl'], { maxBuffer: 1 << 30 });
    for (const level of [6, 9]) sameBytes(await ours(tar, level), zlibGzipped(tar, level), `/usr/share/perl tar (${tar.length} bytes) at level ${level}`);
  });

  it('findRecipe tells zlib\'s blobs from GNU gzip\'s (same header) and reproduces them; Node\'s zlib is neither', async () => {
    const input = Buffer.concat([mixed(), text(1 << 20)]);
    for (const level of [1, 6, 9]) {
      const blob = zlibGzipped(input, level);
      async function* reads() { for (let o = 0; o < blob.length; o += 65536) yield blob.subarray(o, o + 65536); }
      const found = await findRecipe(reads(), digestOf(blob), `zlib level ${level}`);
      assert.deepEqual(found.recipe, { encoder: 'zlib', version: '1.2.13', level }, found.reason);
      const gnu = found.trials.find((x) => x.recipe.encoder === 'gnu-gzip' && x.recipe.level === level);
      assert.match(gnu?.result ?? '', /^differs at byte \d+$/, 'GNU gzip parts from zlib on an input this long');
      const again: Buffer[] = [];
      for await (const c of reproduceBlob(found.recipe!, (async function* () { yield input; })(), digestOf(blob), 'layer')) again.push(c);
      assert.equal(digestOf(Buffer.concat(again)), digestOf(blob));
      const node = gzipSync(input, { level });
      assert.notEqual(sha(node), sha(blob), `Node's zlib made vanilla zlib's bytes at level ${level}`);
    }
  });
});
