/**
 * The recipes on arm64 (issue 20): the references the recipe tests use (Go 1.19's and Go 1.27's compress/gzip,
 * pgzip over klauspost/compress 1.20.0) cross-built with GOARCH=arm64 and run under qemu-aarch64 (Debian forky's
 * qemu-user, in the chroot of scripts/peers/modern-engine.sh). The question: Go on arm64 fuses float multiply-adds
 * (FMADD), which may round the float32 size estimates Go 1.27's and klauspost's block writers choose block types by
 * differently from amd64, and so change the bytes. Measured: the arm64 builds do fuse them (checked below in the
 * disassembly of their flate code), and still write exactly the bytes of stowage's recipes, so a layer pushed from
 * an arm64 machine is reproduced by the same recipe.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { encodeByRecipe, findRecipe, parseRecipe, type Recipe } from '../../src/compress/recipes/index.js';
import { GO_SKIP } from './go-reference.js';
import { GO127_ROOT, GO127_SKIP } from './go127-reference.js';
import { PGZIPPER_SKIP, forky, forkyScratch } from './pgzip-reference.js';
import { shapes } from './inputs.js';
import { ROOT } from '../helpers/paths.js';

const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';
/** qemu-user's static aarch64 emulator: it runs on the host as well as in the chroot. */
const QEMU = join(FORKY, 'usr/bin/qemu-aarch64');
const QEMU_SKIP = existsSync(QEMU) ? false
  : `qemu-user is not in the forky chroot at ${FORKY}: run scripts/peers/modern-engine.sh setup as root (it installs qemu-user; CI does)`;
const GO127 = '/usr/lib/go-1.27/bin/go';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function ours(r: Recipe, input: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  async function* one() { yield input; }
  for await (const c of encodeByRecipe(r, one())) out.push(c);
  return Buffer.concat(out);
}

function sameBytes(arm: Buffer, mine: Buffer, what: string): void {
  if (arm.equals(mine)) return;
  let i = 0;
  while (i < arm.length && i < mine.length && arm[i] === mine[i]) i++;
  assert.fail(`${what}: the arm64 build made ${arm.length} bytes (sha256 ${sha(arm).slice(0, 16)}), the recipe ${mine.length} (${sha(mine).slice(0, 16)}); first difference at byte ${i}`);
}

/** Runs an arm64 binary under qemu-aarch64 with `input` on standard input. */
const onArm = (bin: string, args: string[], input: Buffer) => execFileSync(QEMU, [bin, ...args], { input, maxBuffer: 1 << 30 });

/** A real layer of tens of MB: Go 1.27's compiler sources as a tar (text, the shape most layers' files have). */
const realLayer = () => execFileSync('tar', ['-cf', '-', '-C', join(GO127_ROOT, 'src'), 'cmd/compile/internal'], { maxBuffer: 1 << 30 });

/** The names of the fused multiply-add instructions the flate code of an arm64 binary holds (Go 1.27's objdump). */
function fusedIn(bin: string): string[] {
  const dump = forky([GO127, 'tool', 'objdump', '-s', 'flate', bin]);
  return dump.split('\n').filter((l) => /\bF(N)?M(ADD|SUB)[SD]\b/.test(l)).map((l) => l.trim().split(/\s+/)[0]!);
}

describe('the recipes reproduce the Go and pgzip encoders built for arm64', { skip: QEMU_SKIP }, () => {
  // /tmp, which the chroot shares: the binaries are built there by the chroot's Go.
  let dir = '';
  const bins = { go119: '', go127: '', pgzip: '' };
  let layer = Buffer.alloc(0);
  before(() => {
    dir = forkyScratch('stowage-arm64-');
    Object.assign(bins, { go119: join(dir, 'gzipper-119'), go127: join(dir, 'gzipper-127'), pgzip: join(dir, 'pgzipper') });
    copyFileSync(join(ROOT, 'test/recipes/go/gzipper.go'), join(dir, 'gzipper.go'));
    copyFileSync(join(ROOT, 'test/recipes/go-pgzip/pgzipper.go'), join(dir, 'pgzipper.go'));
    const cross = { GO111MODULE: 'off', CGO_ENABLED: '0', GOARCH: 'arm64', GOFLAGS: '', GOCACHE: join(dir, 'cache'), HOME: dir };
    if (!GO_SKIP) execFileSync('go', ['build', '-o', bins.go119, join(dir, 'gzipper.go')], { env: { ...process.env, ...cross, GOCACHE: join(dir, 'cache-119') }, stdio: ['ignore', 'ignore', 'pipe'] });
    if (!GO127_SKIP) forky([GO127, 'build', '-o', bins.go127, join(dir, 'gzipper.go')], cross);
    if (!PGZIPPER_SKIP) forky(['go', 'build', '-o', bins.pgzip, join(dir, 'pgzipper.go')], { ...cross, GOPATH: '/usr/share/gocode' });
    if (!GO127_SKIP) layer = realLayer();
  });

  it('the arm64 builds of Go 1.27\'s and klauspost\'s flate fuse float multiply-adds (what could change the bytes)', { skip: GO127_SKIP || PGZIPPER_SKIP }, () => {
    const go127 = fusedIn(bins.go127);
    const klauspost = fusedIn(bins.pgzip);
    // Go 1.27: the token cost estimates (token.go) and the block writer's choice (huffman_bit_writer.go).
    assert.ok(go127.some((l) => /token\.go/.test(l)) && go127.some((l) => /huffman_bit_writer\.go/.test(l)), `Go 1.27 arm64 flate fuses: ${go127.join(' ')}`);
    assert.ok(klauspost.some((l) => /token\.go/.test(l)) && klauspost.some((l) => /huffman_bit_writer\.go/.test(l)), `klauspost arm64 flate fuses: ${klauspost.join(' ')}`);
  });

  for (const level of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    it(`Go 1.27 arm64, level ${level}: every shape, byte for byte the go-flate 1.27 recipe`, { skip: GO127_SKIP }, async () => {
      const r = parseRecipe({ encoder: 'go-flate', version: '1.27', level }, 'recipe');
      for (const [name, input] of shapes()) sameBytes(onArm(bins.go127, ['-level', String(level)], input), await ours(r, input), `${name} at level ${level}`);
    });
  }

  for (const level of [1, 6, 9]) {
    it(`Go 1.19 arm64, level ${level}: every shape, byte for byte the go-flate 1.8-1.26 recipe`, { skip: GO_SKIP }, async () => {
      const r = parseRecipe({ encoder: 'go-flate', version: '1.8-1.26', level }, 'recipe');
      for (const [name, input] of shapes()) sameBytes(onArm(bins.go119, ['-level', String(level)], input), await ours(r, input), `${name} at level ${level}`);
    });
  }

  it('pgzip (klauspost/compress 1.20.0) arm64: every shape, byte for byte the pgzip 1.20.0 recipe', { skip: PGZIPPER_SKIP }, async () => {
    const r = parseRecipe({ encoder: 'pgzip', version: '1.20.0', level: 5 }, 'recipe');
    for (const [name, input] of shapes()) sameBytes(onArm(bins.pgzip, [], input), await ours(r, input), name);
  });

  // A real layer: the arm64 blob is found to be the recipe's by the one-read search (full sha256 compared).
  const real: [string, string, string[], Record<string, unknown>][] = [
    ['Go 1.27 level 6 (moby, BuildKit, containerd built with Go 1.27)', 'go127', ['-level', '6'], { encoder: 'go-flate', version: '1.27', level: 6 }],
    ['Go 1.27 level 1 (crane)', 'go127', ['-level', '1'], { encoder: 'go-flate', version: '1.27', level: 1 }],
    ['Go 1.19 level 6', 'go119', ['-level', '6'], { encoder: 'go-flate', version: '1.8-1.26', level: 6 }],
    ['pgzip 1.20.0 (podman)', 'pgzip', [], { encoder: 'pgzip', version: '1.20.0', level: 5 }],
  ];
  for (const [what, bin, args, recipe] of real) {
    const skip = (bin === 'go119' ? GO_SKIP : false) || (bin === 'pgzip' ? PGZIPPER_SKIP : false) || GO127_SKIP;
    it(`a real layer of 20+ MB gzip'd by ${what} on arm64: findRecipe names the recipe`, { skip }, async () => {
      assert.ok(layer.length > 20e6, `the layer is ${layer.length} bytes`);
      const blob = onArm(bins[bin as keyof typeof bins], args, layer);
      const found = await findRecipe((async function* () { yield blob; })(), `sha256:${sha(blob)}`, what);
      assert.deepEqual(found.recipe, parseRecipe(recipe, 'recipe'), found.reason);
    });
  }
});
