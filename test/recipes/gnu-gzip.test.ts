/**
 * gnu-gzip against the real GNU gzip 1.12: for each input and level, stowage's encoder must give exactly the bytes of
 * `gzip -LEVEL -n` (the same sha256), on synthetic shapes at gzip's window, lookahead, distance and block edges, on
 * the project fixtures, on real files of this system (changelogs and man pages as Debian ships them, binaries, a tar
 * of /usr/share), and, the case the recipe exists for, on the .gz files Debian's packages carry: decompressed and
 * made again, they must be the shipped bytes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { gnuGzip } from '../../src/compress/recipes/index.js';
import { fixtures } from '../helpers/fixtures.js';
import { GZIP_SKIP, gnuGzipped, gnuGzippedFile } from './gnu-gzip-reference.js';
import { noise, shapes, text } from './inputs.js';

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function ours(input: Buffer, level: number, chunk = 1 << 20): Promise<Buffer> {
  async function* chunks() { for (let o = 0; o < input.length; o += chunk) yield input.subarray(o, o + chunk); }
  const out: Buffer[] = [];
  for await (const c of gnuGzip(chunks(), level)) out.push(c);
  return Buffer.concat(out);
}

function sameBytes(mine: Buffer, ref: Buffer, what: string): void {
  if (mine.equals(ref)) return;
  let i = 0;
  while (i < mine.length && i < ref.length && mine[i] === ref[i]) i++;
  assert.fail(`${what}: stowage made ${mine.length} bytes (sha256 ${sha(mine).slice(0, 16)}), gzip ${ref.length} (${sha(ref).slice(0, 16)}); first difference at byte ${i}`);
}

/**
 * Sizes where gzip's encoder changes course: 262 bytes of lookahead, 4096 symbols (the block-end estimate), 32506
 * (the farthest match), 32767 symbols (a full literal buffer), 65274/65275 (where it stops matching, or slides),
 * 65536 (the first read), a slide plus lookahead.
 */
const EDGES = [261, 262, 263, 4095, 4096, 4097, 8193, 32506, 32507, 32767, 32768, 32769, 65273, 65274, 65275, 65276, 65535, 65536, 65537, 65798, 98042, 98304, 131072, 196613];

/** Inputs that steer gzip's matcher to its limits, beside the shared shapes. */
function gnuShapes(): [string, Buffer][] {
  const period = (p: number, n: number) => {
    const unit = noise(p, `p${p}`);
    const out = Buffer.alloc(n);
    for (let o = 0; o < n; o += p) unit.copy(out, o);
    return out;
  };
  const t = text(150000);
  return [
    ...shapes(),
    ...EDGES.map((n): [string, Buffer] => [`${n} bytes of text`, text(n)]),
    ...EDGES.filter((n) => n > 4000).map((n): [string, Buffer] => [`${n} bytes of noise`, noise(n, `g${n}`)]),
    ...[4096, 4097, 32506, 32507, 32508].map((p): [string, Buffer] => [`noise repeating every ${p} bytes`, period(p, 140000)]),
    ['text ending in a copy of its last 300 bytes', Buffer.concat([t, t.subarray(t.length - 300)])],
    ['zeros then noise then zeros', Buffer.concat([Buffer.alloc(70000), noise(70000, 'z'), Buffer.alloc(70000)])],
    ['noise with a run every 4 KiB', Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.concat([noise(4000, `r${i}`), Buffer.alloc(96, i)])))],
  ];
}

/** Every `stride`th file of `files` (sorted), up to `budget` bytes once decompressed. */
function sample(files: string[], stride: number, budget: number): { path: string; gz: Buffer; plain: Buffer }[] {
  const out: { path: string; gz: Buffer; plain: Buffer }[] = [];
  let total = 0;
  for (let i = 0; i < files.length && total < budget; i += stride) {
    const gz = readFileSync(files[i]);
    const plain = gunzipSync(gz);
    out.push({ path: files[i], gz, plain });
    total += plain.length;
  }
  return out;
}

function gzFiles(dir: string, match: (name: string) => boolean, depth = 1): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory() && depth > 0) out.push(...gzFiles(p, match, depth - 1));
    else if (st.isFile() && match(name)) out.push(p);
  }
  return out;
}

describe('gnu-gzip reproduces GNU gzip 1.12 (gzip -N -n)', { skip: GZIP_SKIP }, () => {
  for (const level of LEVELS) {
    it(`level ${level}: every shape, byte for byte`, async () => {
      for (const [name, input] of gnuShapes()) sameBytes(await ours(input, level), gnuGzipped(input, level), `${name} at level ${level}`);
    });
  }

  it('the bytes do not depend on how the input is cut', async () => {
    const input = Buffer.concat([text(150000), noise(70000), Buffer.alloc(40000), text(90000)]);
    for (const level of [1, 4, 6, 9]) {
      const ref = gnuGzipped(input, level);
      for (const chunk of [261, 1000, 65536, 100000]) sameBytes(await ours(input, level, chunk), ref, `chunks of ${chunk}, level ${level}`);
    }
    const small = input.subarray(0, 70000);
    sameBytes(await ours(small, 6, 1), gnuGzipped(small, 6), 'one byte at a time, level 6');
  });

  it('the output is an ordinary gzip stream with gzip\'s header (mtime 0, XFL 4/0/2, OS 3)', async () => {
    const input = text(50000);
    for (const [level, xfl] of [[1, 4], [2, 0], [6, 0], [8, 0], [9, 2]]) {
      const out = await ours(input, level);
      assert.deepEqual([...out.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
      assert.ok(gunzipSync(out).equals(input));
    }
  });

  it('the project fixtures, as one tar, at every level', async () => {
    const { dir } = await fixtures();
    const tar = execFileSync('tar', ['-cf', '-', '-C', dir, '.'], { maxBuffer: 1 << 30 });
    for (const level of LEVELS) sameBytes(await ours(tar, level), gnuGzipped(tar, level), `fixtures tar (${tar.length} bytes) at level ${level}`);
  });

  describe('Debian\'s own .gz files, made again from what they decompress to', () => {
    let changelogs: ReturnType<typeof sample> = [];
    let manPages: ReturnType<typeof sample> = [];
    before(() => {
      changelogs = sample(gzFiles('/usr/share/doc', (n) => /^changelog.*\.gz$/.test(n)), 8, 24e6);
      manPages = sample(gzFiles('/usr/share/man', (n) => n.endsWith('.gz')), 20, 8e6);
    });

    /**
     * Level 9 against the shipped file itself (gzip -9n's output when Debian built the package), and against the real
     * gzip only where they differ (a package compressed by another gzip); other levels against the real gzip.
     */
    async function againstShipped(path: string, gz: Buffer, plain: Buffer): Promise<boolean> {
      const mine = await ours(plain, 9);
      if (mine.equals(gz)) return true;
      sameBytes(mine, gnuGzipped(plain, 9), `${path} at level 9`);
      return false;
    }

    it('changelogs (dh_compress: gzip -9n): stowage makes the shipped bytes, or what gzip 1.12 makes', async (t) => {
      if (changelogs.length < 20) return t.skip(`only ${changelogs.length} changelogs under /usr/share/doc`);
      let shipped = 0;
      for (const [i, { path, gz, plain }] of changelogs.entries()) {
        if (await againstShipped(path, gz, plain)) shipped++;
        if (i % 4 === 0) sameBytes(await ours(plain, 6), gnuGzipped(plain, 6), `${path} at level 6`);
      }
      t.diagnostic(`${shipped} of ${changelogs.length} shipped changelogs made again bit for bit`);
      assert.ok(shipped >= changelogs.length * 0.9, `only ${shipped} of ${changelogs.length} shipped changelogs reproduced`);
    });

    it('man pages at level 9 (the shipped bytes), 6 on a quarter of them and every level on a twentieth', async (t) => {
      if (manPages.length < 20) return t.skip(`only ${manPages.length} man pages under /usr/share/man`);
      let shipped = 0;
      for (const [i, { path, gz, plain }] of manPages.entries()) {
        if (await againstShipped(path, gz, plain)) shipped++;
        const levels = i % 20 === 0 ? LEVELS.slice(0, 8) : i % 4 === 0 ? [6] : [];
        for (const level of levels) sameBytes(await ours(plain, level), gnuGzipped(plain, level), `${path} at level ${level}`);
      }
      t.diagnostic(`${shipped} of ${manPages.length} shipped man pages made again bit for bit`);
      assert.ok(shipped >= manPages.length * 0.9, `only ${shipped} of ${manPages.length} shipped man pages reproduced`);
    });
  });

  it('binaries under /usr/bin at levels 1, 6 and 9', async (t) => {
    const bins = ['bash', 'tar', 'gzip', 'perl', 'ls', 'sed'].map((n) => `/usr/bin/${n}`).filter((p) => existsSync(p));
    if (bins.length === 0) return t.skip('no binaries found under /usr/bin');
    for (const path of bins) {
      const input = readFileSync(path);
      for (const level of [1, 6, 9]) sameBytes(await ours(input, level), gnuGzippedFile(path, level), `${path} at level ${level}`);
    }
  });

  it('a tar of /usr/share (perl, zsh, i18n: tens of MB) at levels 6 and 9', async (t) => {
    const dirs = ['perl', 'zsh', 'i18n'].filter((d) => existsSync(`/usr/share/${d}`));
    if (dirs.length === 0) return t.skip('none of /usr/share/{perl,zsh,i18n}');
    const tar = execFileSync('tar', ['-cf', '-', '-C', '/usr/share', ...dirs], { maxBuffer: 1 << 30 });
    assert.ok(tar.length > 10e6, `the tar is ${tar.length} bytes`);
    for (const level of [6, 9]) sameBytes(await ours(tar, level), gnuGzipped(tar, level), `/usr/share tar (${tar.length} bytes) at level ${level}`);
  });
});
