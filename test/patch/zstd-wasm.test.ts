/**
 * The zstd patch deltas use, built to WebAssembly (wasm/zstd.wasm): its frames are byte for byte those of the same
 * zstd through zstd-napi, the zstd CLI decodes them with the reference as `--patch-from` and they decode what the
 * CLI makes that way, whole patch deltas made with either are the same and apply to the target, and
 * scripts/zstd-wasm/build.sh rebuilds the committed module bit for bit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { oneLineError, stowage } from '../helpers/cli.js';
import { EXAMPLES, ROOT, scratch } from '../helpers/paths.js';
import { haveCommand, skipUnless } from '../helpers/peers.js';
import { seeded } from '../helpers/build-layer.js';
import { loadNative, type ZstdBackend } from '../../src/patch/zstd-native.js';
import { loadWasm } from '../../src/patch/zstd-wasm.js';

const dir = scratch('stowage-zstd-wasm-');
const p = (n: string) => join(dir, n);
const native = loadNative();
const NATIVE_SKIP = native instanceof Error ? `zstd-napi is not built here (${native.message.split('\n')[0]}): npm ci with python3, make and g++ builds it (CI does)` : false;
const BUILD_SKIP = !haveCommand('clang-14') || !haveCommand('wasm-ld-14')
  ? 'clang-14 and lld-14 are not installed: run scripts/peers/install.sh (CI does)'
  : !existsSync(join(ROOT, 'node_modules/zstd-napi/deps/zstd/lib/zstd.h')) ? 'zstd-napi (its zstd sources) is not installed: npm ci' : false;

let wasm: ZstdBackend;
/** A reference and a target made from it with small edits every 64 KiB (what a changed binary looks like). */
let ref: Buffer;
let edited: Buffer;
let text: Buffer;

before(() => {
  wasm = loadWasm();
  ref = seeded('zstd-wasm-ref', 12 << 20);
  const parts: Buffer[] = [];
  for (let i = 0; i < 6 << 20; i += 65536) parts.push(ref.subarray((3 << 20) + i, (3 << 20) + i + 65529), Buffer.from('edited!'));
  edited = Buffer.concat(parts);
  text = Buffer.from(Array.from({ length: 60000 }, (_, i) => `line ${i % 977} value ${(i * 7919) % 1000}\n`).join(''));
});

/** [what, input, level, windowLog, reference] as src/patch/zstd.ts passes them. */
const cases = (): Array<[string, Buffer, number, number, Buffer | undefined]> => [
  ['an 8 MiB-class segment at level 3 against a 12 MiB reference', edited, 3, 25, ref],
  ['a segment at level 6 against its reference', edited.subarray(0, 1 << 20), 6, 24, ref.subarray(2 << 20, 6 << 20)],
  ['a small file at level 15 against its reference', edited.subarray(0, 60000), 15, 21, ref.subarray(3 << 20, (3 << 20) + 200000)],
  ['structure at level 19 with no reference', text, 19, 20, undefined],
  ['literals at level 9 with no reference', Buffer.concat([text, text.subarray(0, 300000)]), 9, 21, undefined],
];

describe('zstd as WebAssembly', () => {
  it('makes the same frames, byte for byte, as zstd-napi, and each decodes the other\'s', { skip: NATIVE_SKIP }, () => {
    const n = native as ZstdBackend;
    for (const [what, src, level, wlog, r] of cases()) {
      const a = n.compress(src, level, wlog, r);
      const b = wasm.compress(src, level, wlog, r);
      assert.ok(a.equals(b), `${what}: wasm ${b.length} bytes, native ${a.length}`);
      assert.ok(wasm.decompress(a, src.length, r).equals(src), what);
      assert.ok(n.decompress(b, src.length, r).equals(src), what);
    }
  });

  it('uses the reference as zstd --patch-from does: the CLI decodes its frames, and it decodes the CLI\'s', { skip: skipUnless('zstd') }, () => {
    writeFileSync(p('ref'), ref);
    writeFileSync(p('new'), edited);
    const f = wasm.compress(edited, 3, 25, ref);
    assert.ok(f.length < 20_000, `6 MiB with 96 edits against its reference: ${f.length} bytes`);
    writeFileSync(p('wasm.zst'), f);
    execFileSync('zstd', ['-q', '-f', '-d', '--long=31', `--patch-from=${p('ref')}`, p('wasm.zst'), '-o', p('wasm.out')]);
    assert.ok(readFileSync(p('wasm.out')).equals(edited));
    execFileSync('zstd', ['-q', '-f', '-19', '--long=25', `--patch-from=${p('ref')}`, p('new'), '-o', p('cli.zst')]);
    const cli = readFileSync(p('cli.zst'));
    assert.ok(cli.length < 20_000, `the CLI's frame: ${cli.length} bytes`);
    assert.ok(wasm.decompress(cli, edited.length, ref).equals(edited));
  });

  it('reports a damaged frame, and one bigger than the size the patch gives, as zstd errors', () => {
    const f = wasm.compress(edited.subarray(0, 1 << 20), 3, 23, ref);
    const bad = Buffer.from(f);
    bad[Math.floor(bad.length / 2)]! ^= 0xff;
    bad[bad.length - 2]! ^= 0xff;
    assert.throws(() => wasm.decompress(bad, 1 << 20, ref), /corrupt|checksum|error/i);
    assert.throws(() => wasm.decompress(f, 1000, ref), /too small|Destination/i);
  });

  it('makes the same patch delta of the bundled examples as zstd-napi, and applies it to the target', { skip: NATIVE_SKIP }, () => {
    const blobs = (f: string) => execFileSync('tar', ['tvf', f], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('blobs/'));
    const meta = (f: string) => JSON.parse(execFileSync('tar', ['xOf', f, 'stowage-patch.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    const made: Record<string, string> = {};
    for (const z of ['native', 'wasm']) {
      made[z] = p(`examples.${z}.patch`);
      const r = stowage(['delta', join(EXAMPLES, 'app-2.tar'), '--base', join(EXAMPLES, 'app-1.tar'), '--patch', '-o', made[z]!, '-q'], { env: { STOWAGE_ZSTD: z } });
      assert.equal(r.status, 0, r.stderr);
    }
    assert.deepEqual(blobs(made.wasm!), blobs(made.native!));
    assert.ok(blobs(made.wasm!).length >= 2, 'the config and the layer patch');
    const { created: _a, ...mw } = meta(made.wasm!);
    const { created: _b, ...mn } = meta(made.native!);
    assert.deepEqual(mw, mn);
    const r = stowage(['apply', made.native!, '--base', join(EXAMPLES, 'app-1.tar'), '-o', p('applied.tar'), '-q'], { env: { STOWAGE_ZSTD: 'wasm' } });
    assert.equal(r.status, 0, r.stderr);
    const digest = (f: string) => stowage(['digest', f]).stdout.trim();
    assert.equal(digest(p('applied.tar')), digest(join(EXAMPLES, 'app-2.tar')));
  });

  it('refuses an unknown STOWAGE_ZSTD in one line', () => {
    const r = stowage(['delta', join(EXAMPLES, 'app-2.tar'), '--base', join(EXAMPLES, 'app-1.tar'), '--patch', '-o', p('bogus.patch')], { env: { STOWAGE_ZSTD: 'gpu' } });
    assert.notEqual(r.status, 0);
    assert.match(oneLineError(r), /STOWAGE_ZSTD=gpu: expected native or wasm/);
    assert.equal(existsSync(p('bogus.patch')), false);
  });

  it('is rebuilt bit for bit by scripts/zstd-wasm/build.sh', { skip: BUILD_SKIP }, () => {
    execFileSync('bash', [join(ROOT, 'scripts/zstd-wasm/build.sh'), p('rebuilt.wasm')], { stdio: 'pipe' });
    assert.ok(readFileSync(p('rebuilt.wasm')).equals(readFileSync(join(ROOT, 'wasm/zstd.wasm'))));
  });
});
