/**
 * The two zstd builds on the frames a patch delta makes, in one process each turn: level 19 on 1 MiB of tar-like
 * text (a block's structure), level 9 on 4 MiB (big literals), levels 3, 6 and 15 against a reference (segments
 * and small files delta-coded against their old file). Prints the best of RUNS compress and decompress times of
 * each, native and WebAssembly, and their ratio; checks both make the same bytes.
 * Usage: npm run build && node dist/bench/zstd-frames.js [RUNS]
 */
import { createHash } from 'node:crypto';
import { loadNative, type ZstdBackend } from '../src/patch/zstd-native.js';
import { loadWasm } from '../src/patch/zstd-wasm.js';

function seeded(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n);
  let c = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    c.copy(out, i);
    c = createHash('sha256').update(c).digest();
  }
  return out;
}

const runs = Number(process.argv[2] ?? 3);
const native = loadNative();
if (native instanceof Error) {
  process.stderr.write(`zstd-frames: zstd-napi did not load (${native.message.split('\n')[0]}): npm ci with a compiler\n`);
  process.exit(1);
}
const wasm = loadWasm();
const ref = seeded('ref', 12 << 20);
const parts: Buffer[] = [];
for (let i = 0; i < 6 << 20; i += 65536) parts.push(ref.subarray((3 << 20) + i, (3 << 20) + i + 65529), Buffer.from('edited!'));
const edited = Buffer.concat(parts);
const text = Buffer.from(Array.from({ length: 120000 }, (_, i) => `usr/lib/x86_64-linux-gnu/file-${i % 977}.so ${(i * 7919) % 1000} ustar 0000644 root\n`).join(''));
const cases: Array<[string, Buffer, number, number, Buffer | undefined]> = [
  ['level 19, 1 MiB of text', text.subarray(0, 1 << 20), 19, 21, undefined],
  ['level 9, 4 MiB of text', text.subarray(0, 4 << 20), 9, 23, undefined],
  ['level 3, 6 MiB against 12 MiB', edited, 3, 25, ref],
  ['level 6, 1 MiB against 4 MiB', edited.subarray(0, 1 << 20), 6, 24, ref.subarray(2 << 20, 6 << 20)],
  ['level 15, 60 kB against 200 kB', edited.subarray(0, 60000), 15, 21, ref.subarray(3 << 20, (3 << 20) + 200000)],
];

function best(f: () => void): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

console.log('| frame | native compress | wasm compress | ratio | native decompress | wasm decompress | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const [what, src, level, wlog, r] of cases) {
  const t: Record<string, { c: number; d: number; frame: Buffer }> = {};
  for (const [name, z] of [['native', native], ['wasm', wasm]] as Array<[string, ZstdBackend]>) {
    let frame: Buffer = Buffer.alloc(0);
    const c = best(() => { frame = z.compress(src, level, wlog, r); });
    const d = best(() => { z.decompress(frame, src.length, r); });
    t[name] = { c, d, frame };
  }
  if (!t.native!.frame.equals(t.wasm!.frame)) throw new Error(`${what}: the frames differ`);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`| ${what} | ${ms(t.native!.c)} | ${ms(t.wasm!.c)} | ${(t.wasm!.c / t.native!.c).toFixed(2)} | ${ms(t.native!.d)} | ${ms(t.wasm!.d)} | ${(t.wasm!.d / Math.max(t.native!.d, 0.05)).toFixed(2)} |`);
}
