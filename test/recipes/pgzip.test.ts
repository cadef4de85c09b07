/**
 * The pgzip recipe (containers/image: podman, buildah, skopeo) against the real encoders of Debian forky
 * (pgzip-reference.ts): pgzip 1.2.6 over klauspost/compress 1.20.0 built from forky's Go packages, and the layer
 * blobs podman 5.8.6 (klauspost 1.20.0) and skopeo 1.22.0 (klauspost 1.18.1) write. The sha256 must be equal: on the
 * recipe shapes, at pgzip's block edges (1 MiB, and klauspost's 65535-byte windows inside it), on empty input, on
 * real multi-MiB tars; whatever the write sizes; and the two klauspost versions must each be matched where they
 * part. findRecipe finds the recipe on the real tools' blobs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { findRecipe, parseRecipe, pgzip, reproduceBlob, type KlauspostVersion } from '../../src/compress/recipes/index.js';
import { encodeThreaded } from '../../src/compress/recipes/encode-threaded.js';
import { StowageError } from '../../src/errors.js';
import { layerTar } from '../helpers/archive.js';
import { mixed, noise, shapes, text } from './inputs.js';
import { FORKY, PGZIPPER_SKIP, PODMAN_SKIP, SKOPEO_SKIP, buildPgzipper, forky, forkyScratch, layoutLayers, pgzipped, podman, uncompressedLayout } from './pgzip-reference.js';

const MiB = 1 << 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const digestOf = (b: Buffer) => `sha256:${sha(b)}`;

async function ours(input: Buffer, version: KlauspostVersion = '1.20.0', chunk = MiB): Promise<Buffer> {
  async function* chunks() { for (let o = 0; o < input.length; o += chunk) yield input.subarray(o, o + chunk); }
  const out: Buffer[] = [];
  for await (const c of pgzip(chunks(), version)) out.push(c);
  return Buffer.concat(out);
}

async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }

function sameBytes(mine: Buffer, ref: Buffer, what: string): void {
  if (mine.equals(ref)) return;
  let i = 0;
  while (i < mine.length && i < ref.length && mine[i] === ref[i]) i++;
  assert.fail(`${what}: stowage made ${mine.length} bytes (sha256 ${sha(mine).slice(0, 16)}), pgzip ${ref.length} (${sha(ref).slice(0, 16)}); first difference at byte ${i}`);
}

/**
 * A layer tar of one file, two klauspost windows of text whose second has its first 550 bytes replaced by letters
 * of the first: the second window's choice between keeping the first's Huffman table and a fresh one then falls
 * inside the end-of-block code's length, where klauspost 1.18.1 and 1.20.0 decide differently (550 found by
 * bisecting on that margin; about 1 real block in 60 parts them so).
 */
function versionsPart(): Promise<Buffer> {
  const a = text(65535 * 2);
  const letters = [...new Set(a.subarray(0, 65535))].filter((c) => c >= 97 && c <= 122);
  const pick = noise(550, 'mix');
  const second = Buffer.from(a.subarray(65535));
  for (let i = 0; i < 550; i++) second[i] = letters[pick[i]! % letters.length]!;
  return layerTar({ 'part.bin': Buffer.concat([a.subarray(0, 65535), second, Buffer.alloc(100, 1)]).toString('latin1') });
}

/** pgzip's edges: 1 MiB blocks (each 16 windows of 65535 bytes and 16 bytes), small final windows (32, 128). */
function edgeShapes(): [string, Buffer][] {
  const t = text(3 * MiB + 20000);
  const n = noise(2 * MiB + 100, 'edges');
  const sizes = [32, 33, 127, 128, 65535 * 16, MiB - 17, MiB - 1, MiB, MiB + 1, MiB + 16, MiB + 32, MiB + 16384, MiB + 16385, 2 * MiB, 2 * MiB + 128, 3 * MiB];
  return [
    ...sizes.map((s): [string, Buffer] => [`${s} bytes of text`, t.subarray(0, s)]),
    ...[MiB, MiB + 1, 2 * MiB + 100].map((s): [string, Buffer] => [`${s} bytes of noise`, n.subarray(0, s)]),
    ['3 MiB of zeros', Buffer.alloc(3 * MiB)],
    // Periods at the farthest distance a match may reach (32767) and just past it, and long matches over 258 bytes
    // running across windows and blocks.
    ...[32767, 32768].map((p): [string, Buffer] => [`noise of period ${p}`, Buffer.concat(Array(40).fill(noise(p, `p${p}`)))]),
    ['1000 bytes of noise repeated 2500 times', Buffer.concat(Array(2500).fill(noise(1000, 'r')))],
    ['text, noise and zeros across blocks', Buffer.concat([t.subarray(0, MiB - 5000), n.subarray(0, 70000), Buffer.alloc(MiB), mixed()])],
  ];
}

/** A real tar of a folder of the chroot (Go's own sources or tools), cut to `max` bytes. */
function chrootTar(dir: string, what: string, max: number): Buffer {
  const tar = execFileSync('tar', ['-C', join(FORKY, dir), '-cf', '-', what], { maxBuffer: 1 << 30 });
  return tar.subarray(0, Math.min(tar.length, max));
}

describe('pgzip recipe reproduces pgzip 1.2.6 over klauspost/compress 1.20.0 (forky\'s Go packages)', { skip: PGZIPPER_SKIP }, () => {
  let bin: string;
  before(() => { bin = buildPgzipper(); });

  it('every recipe shape, byte for byte', async () => {
    for (const [name, input] of shapes()) sameBytes(await ours(input), pgzipped(bin, input), name);
  });

  it('pgzip\'s block edges, empty input and inputs ending exactly at a block edge', async () => {
    sameBytes(await ours(Buffer.alloc(0)), pgzipped(bin, Buffer.alloc(0)), 'empty');
    for (const [name, input] of edgeShapes()) sameBytes(await ours(input), pgzipped(bin, input), name);
  });

  it('real tars of several MiB: Go\'s sources (text) and Go\'s tools (binaries)', async () => {
    const src = chrootTar('usr/lib/go-1.27/src', 'net', 12 * MiB);
    const tools = chrootTar('usr/lib/go-1.27/pkg/tool', 'linux_amd64', 24 * MiB);
    assert.ok(src.length > 4 * MiB && tools.length > 16 * MiB, 'the tars span many blocks');
    for (const [name, input] of [['Go\'s src/net', src], ['Go\'s pkg/tool', tools]] as const) sameBytes(await ours(input), pgzipped(bin, input), name);
  });

  it('the bytes depend neither on how the input is cut nor on pgzip\'s threads', async () => {
    const input = Buffer.concat([text(MiB + 70000), noise(300000), mixed()]);
    const ref = pgzipped(bin, input);
    sameBytes(pgzipped(bin, input, { write: 1000, threads: 1 }), ref, 'pgzip itself with 1000-byte writes on one thread');
    for (const chunk of [1, 777, 65535, 65536, MiB + 3]) {
      const part = chunk === 1 ? input.subarray(0, 200000) : input;
      sameBytes(await ours(part, '1.20.0', chunk), chunk === 1 ? pgzipped(bin, part) : ref, `writes of ${chunk} bytes`);
    }
  });

  it('klauspost 1.20.0 and 1.18.1 part where the end-of-block code decides; the recipe follows 1.20.0 there', async () => {
    const input = await versionsPart();
    const ref = pgzipped(bin, input);
    sameBytes(await ours(input, '1.20.0'), ref, '1.20.0');
    assert.ok(!(await ours(input, '1.18.1')).equals(ref), '1.18.1 makes other bytes here (the premise of the version parameter)');
  });

  it('findRecipe finds pgzip in the real blob and reproduceBlob makes it again', async () => {
    const input = Buffer.concat([text(2 * MiB), noise(50000)]);
    const blob = pgzipped(bin, input);
    const found = await findRecipe(once(blob), digestOf(blob), 'pgzip blob');
    assert.deepEqual(found.recipe, { encoder: 'pgzip', version: '1.20.0', level: 5 }, found.reason);
    assert.match(found.reason, /pgzip at its default level/);
    const out: Buffer[] = [];
    for await (const c of reproduceBlob(found.recipe!, once(input), digestOf(blob), 'layer')) out.push(c);
    assert.ok(Buffer.concat(out).equals(blob));
  });
});

describe('pgzip recipe is the real tools\' layer blobs: podman 5.8 (klauspost 1.20.0), skopeo 1.22 (1.18.1)', { skip: PODMAN_SKIP || SKOPEO_SKIP }, () => {
  const dir = PODMAN_SKIP || SKOPEO_SKIP ? '' : forkyScratch('stowage-pgzip-tools-');
  let tars: Buffer[];
  let byPodman: Buffer[];
  let bySkopeo: Buffer[];
  before(async () => {
    // A layer ending exactly at a block edge (4 MiB: one file's header, its data, the tar's end), a real tar over
    // many blocks, the layer where the klauspost versions part, and an empty one.
    const edge = await layerTar({ 'data/words.txt': text(4 * MiB - 1536).toString('latin1') });
    const real = execFileSync('tar', ['-C', join(FORKY, 'usr/lib/go-1.27/src'), '-cf', '-', 'net', 'crypto/tls'], { maxBuffer: 1 << 30 });
    tars = [edge, real, await versionsPart(), await layerTar({})];
    assert.equal(edge.length, 4 * MiB, 'the premise: a layer of exactly 4 MiB');
    uncompressedLayout(join(dir, 'src'), '1', tars);
    forky(['skopeo', 'copy', '-q', '--dest-compress-format', 'gzip', `oci:${join(dir, 'src')}:1`, `oci:${join(dir, 'skopeo')}:1`]);
    bySkopeo = layoutLayers(join(dir, 'skopeo'));
    const store = join(dir, 'podman');
    podman(store, ['pull', '-q', `oci:${join(dir, 'src')}:1`]);
    podman(store, ['tag', (podman(store, ['images', '-q']).trim().split('\n')[0])!, 'localhost/pgzip-test:1']);
    podman(store, ['push', '-q', '--compression-format', 'gzip', '--force-compression', 'localhost/pgzip-test:1', `oci:${join(dir, 'pushed')}:1`]);
    byPodman = layoutLayers(join(dir, 'pushed'));
  });

  it('the tools gzip every layer with pgzip (the test\'s premise)', () => {
    for (const blobs of [byPodman, bySkopeo]) {
      assert.equal(blobs.length, tars.length);
      for (const b of blobs) assert.equal(b.readUInt32LE(4), 0x886e0900, 'pgzip\'s mtime');
    }
    assert.ok(!byPodman[2]!.equals(bySkopeo[2]!), 'podman and skopeo part on the layer made for it');
  });

  it('podman\'s blobs are the 1.20.0 recipe\'s bytes, skopeo\'s the 1.18.1 recipe\'s', async () => {
    for (let i = 0; i < tars.length; i++) {
      sameBytes(await ours(tars[i]!, '1.20.0'), byPodman[i]!, `podman, layer ${i}`);
      sameBytes(await ours(tars[i]!, '1.18.1'), bySkopeo[i]!, `skopeo, layer ${i}`);
    }
  });

  it('findRecipe names the klauspost version where they part, and the newer where they agree', async () => {
    const find = async (b: Buffer) => (await findRecipe(once(b), digestOf(b), 'layer')).recipe;
    assert.deepEqual(await find(byPodman[2]!), { encoder: 'pgzip', version: '1.20.0', level: 5 });
    assert.deepEqual(await find(bySkopeo[2]!), { encoder: 'pgzip', version: '1.18.1', level: 5 });
    assert.deepEqual(await find(bySkopeo[0]!), { encoder: 'pgzip', version: '1.20.0', level: 5 });
    const wrong = await findRecipe(once(bySkopeo[2]!), digestOf(bySkopeo[2]!), 'layer');
    assert.match(wrong.trials[0]!.result, /^differs at byte \d+$/);
  });
});

describe('pgzip recipe on a thread of its own (no peer)', () => {
  it('makes the same bytes as the encoder in this thread, for both klauspost versions', async () => {
    const input = Buffer.concat([text(MiB + 5000), noise(20000)]);
    for (const version of ['1.20.0', '1.18.1'] as const) {
      const out: Buffer[] = [];
      async function* chunks() { for (let o = 0; o < input.length; o += 300000) yield input.subarray(o, o + 300000); }
      for await (const c of encodeThreaded({ encoder: 'pgzip', version, level: 5 }, chunks(), 'layer')) out.push(c);
      sameBytes(Buffer.concat(out), await ours(input, version), `thread, ${version}`);
    }
  });
});

describe('pgzip recipes read from outside', () => {
  it('refuse other levels and klauspost versions in one line', () => {
    assert.deepEqual(parseRecipe({ encoder: 'pgzip', version: '1.18.1', level: 5 }, 'r'), { encoder: 'pgzip', version: '1.18.1', level: 5 });
    const bad: [unknown, RegExp][] = [
      [{ encoder: 'pgzip', version: '1.20.0', level: 6 }, /^layer 2: pgzip recipe level 6 is not one stowage reproduces \(known: 5\)$/],
      [{ encoder: 'pgzip', version: '1.17.11', level: 5 }, /^layer 2: pgzip recipe version "1.17.11" is not one stowage reproduces \(known: 1.20.0, 1.18.1\)$/],
      [{ encoder: 'pgzip', version: '1.20.0', level: 5, blocks: 2 }, /^layer 2: pgzip recipe has unknown field "blocks"$/],
    ];
    for (const [value, pattern] of bad) {
      assert.throws(() => parseRecipe(value, 'layer 2'), (e) => e instanceof StowageError && pattern.test(e.message) && !e.message.includes('\n'));
    }
  });
});
