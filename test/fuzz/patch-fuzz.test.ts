/**
 * The fuzz job of the patch format (issue 24), beside the archive fuzzer (fuzz.test.ts) and on its pattern: seeded,
 * time-boxed, failing inputs kept. Seeds are patch deltas made at test time: two layers patched against one base
 * layer (delta-coded, copied and literal data), a layer shipped whole and one left to the base. Each round mutates
 * one seed at one level and runs one reader (apply into a docker archive, an OCI layout or from standard input,
 * inspect, verify, check):
 *   - the container: bit flips, truncation, inserted bytes (the blob hashes catch most);
 *   - the index: a field deleted, set to another type or a number out of range, an array entry repeated or dropped;
 *   - a layer patch with its name and the index made to agree again, so only the decoder stands in the way: bit
 *     flips in its frames, truncation, or the operation list of a block decoded, changed and compressed again.
 * A round fails on a stack trace, "internal error", an exit status other than 0 or 1, more than one line on
 * standard error, a timeout, a peak RSS over 250 MB, an apply that exits 0 with an output that does not verify, or
 * a failed apply that leaves something under the output name.
 *
 * Knobs: STOWAGE_PATCH_FUZZ_SEED (default "stowage-24"), STOWAGE_PATCH_FUZZ_SECONDS (default 90, what CI runs),
 * STOWAGE_FUZZ_CORPUS (where failing inputs are kept, default fuzz-corpus/; names start with patch-, each with a
 * .json saying the command, seed and round), STOWAGE_PATCH_FUZZ_REPLAY=FILE.json (runs one recorded failure again).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeTar } from '../helpers/build-layer.js';
import { stowage } from '../helpers/cli.js';
import { ROOT, scratch } from '../helpers/paths.js';
import { dockerArchive, sha } from '../hostile/craft.js';
import { RSS_LIMIT_MB, measure } from '../hostile/measure.js';
import { layerOf, text } from '../hostile/patch-craft.js';
import { deltaEntries } from '../helpers/delta-edit.js';
import { MAGIC } from '../../src/patch/format.js';
import { OPS_V3_COLUMNS } from '../../src/patch/op-list.js';
import { VarintReader, VarintWriter } from '../../src/patch/varint.js';
import { compress, decompress } from '../../src/patch/zstd.js';

const SEED = process.env.STOWAGE_PATCH_FUZZ_SEED ?? 'stowage-24';
const SECONDS = Number(process.env.STOWAGE_PATCH_FUZZ_SECONDS ?? 90);
const CORPUS = process.env.STOWAGE_FUZZ_CORPUS ?? join(ROOT, 'fuzz-corpus');
const tmp = scratch('stowage-patch-fuzz-');
const t = (n: string) => join(tmp, n);

/** mulberry32 seeded from the seed string (the archive fuzzer's generator). */
function rng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeds: patch deltas of a target against its base, made here. */
function makeSeeds(): string[] {
  const base: Record<string, string | Buffer> = {};
  for (let i = 0; i < 30; i++) base[`etc/conf-${i}`] = text(`conf${i}`, 200);
  base['usr/share/big.txt'] = text('big', 30_000);
  base['usr/share/same.txt'] = text('same', 2000);
  const change = (mark: string) => Object.fromEntries(Object.entries(base).map(([k, v]) => [k, k.includes('same') ? v : String(v).replace(' line 9 ', ` line ${mark} `)]));
  const baseLayer = layerOf(base);
  writeFileSync(t('base.tar'), dockerArchive([{ tar: baseLayer }], { tag: 'fuzz/base:1' }));
  // Bytes no patch shrinks (a layer shipped whole), the same for a seed.
  const noise = layerOf({ noise: Buffer.concat(Array.from({ length: 1000 }, (_, i) => createHash('sha512').update(`${SEED}${i}`).digest())) });
  writeFileSync(t('target.tar'), dockerArchive([{ tar: baseLayer }, { tar: layerOf(change('nine')) }, { tar: layerOf(change('NINE')) }, { tar: noise }], { tag: 'fuzz/target:1' }));
  assert.equal(stowage(['delta', t('target.tar'), '--base', t('base.tar'), '--patch', '-o', t('seed.patch')]).status, 0);
  writeFileSync(t('have.json'), stowage(['have', t('base.tar'), '-o', '-']).stdout);
  return [t('seed.patch')];
}

type Entries = { name: string; data: Buffer }[];

/** A layer patch's frames: [offset of the varints, raw size, the frame's bytes]. */
function frames(blob: Buffer): { at: number; raw: number; z: Buffer; end: number }[] {
  const out: { at: number; raw: number; z: Buffer; end: number }[] = [];
  let off = MAGIC.length;
  const uint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const c = blob[off++]!;
      n += (c & 0x7f) * mul;
      if (c < 0x80) return n;
      mul *= 128;
    }
  };
  while (off < blob.length) {
    const at = off;
    const raw = uint();
    const len = uint();
    out.push({ at, raw, z: blob.subarray(off, off + len), end: off + len });
    off += len;
  }
  return out;
}

/** Changes one number of a list of varints: one replaced, one dropped, one added. */
function mutateNumbers(b: Buffer, r: () => number): Buffer {
  const nums: number[] = [];
  const rd = new VarintReader(b, 'fuzz');
  while (!rd.done) nums.push(rd.uint());
  const i = Math.floor(r() * nums.length);
  const k = Math.floor(r() * 3);
  const special = [0, 1, 2, 3, 4, 5, 6, 7, 8, 511, 512, 8192, 8193, 2 ** 24, 2 ** 31, 2 ** 52];
  if (k === 0) nums[i] = r() < 0.5 ? special[Math.floor(r() * special.length)]! : Math.max(0, nums[i]! + Math.floor(r() * 7) - 3);
  else if (k === 1) nums.splice(i, 1);
  else nums.splice(i, 0, Math.floor(r() * 1000));
  const w = new VarintWriter();
  for (const n of nums) w.uint(n);
  return w.bytes();
}

/**
 * Changes one varint-level thing in an operation list. Version 3 lists are a head (count, last flag, the trailer's
 * length in the last block, the columns' lengths) and a column a field: a number of the head or of one column is
 * changed, and the columns' lengths written again to agree, so the change reaches the decoder's checks.
 */
function mutateOps(ops: Buffer, r: () => number, version: number): Buffer {
  if (version < 3) return mutateNumbers(ops, r);
  const rd = new VarintReader(ops, 'fuzz');
  const head = [rd.uint(), rd.uint()];
  if (head[1] === 1) head.push(rd.uint());
  const lens = Array.from({ length: OPS_V3_COLUMNS }, () => rd.uint());
  let at = rd.offset;
  const cols = lens.map((l) => ops.subarray(at, (at += l)));
  const nonEmpty = cols.map((c, i) => (c.length ? i : -1)).filter((i) => i >= 0);
  const w = new VarintWriter();
  if (r() < 0.25 || !nonEmpty.length) {
    const h = mutateNumbers(Buffer.from(head.flatMap((n) => { const v = new VarintWriter(); v.uint(n); return [...v.bytes()]; })), r);
    const hr = new VarintReader(h, 'fuzz');
    while (!hr.done) w.uint(hr.uint());
  } else {
    for (const n of head) w.uint(n);
    const c = nonEmpty[Math.floor(r() * nonEmpty.length)]!;
    cols[c] = mutateNumbers(cols[c]!, r);
  }
  for (const c of cols) w.uint(c.length);
  return Buffer.concat([w.bytes(), ...cols]);
}

/** One mutation of a delta, chosen by `r`: the bytes to write and what was done. */
function mutate(seed: Buffer, r: () => number): { bytes: Buffer | Entries; how: string } {
  const pick = (n: number) => Math.floor(r() * n);
  const level = pick(3);
  if (level === 0) {
    const b = Buffer.from(seed);
    const k = pick(3);
    if (k === 0) {
      const n = 1 + pick(8);
      for (let i = 0; i < n; i++) b[pick(b.length)] ^= 1 << pick(8);
      return { bytes: b, how: `container: flip ${n} bits` };
    }
    if (k === 1) return { bytes: b.subarray(0, pick(b.length)), how: 'container: truncate' };
    const at = pick(b.length);
    return { bytes: Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + pick(1024), pick(256)), b.subarray(at)]), how: `container: insert at ${at}` };
  }
  const entries = deltaEntries(seed);
  const index = JSON.parse(entries[0]!.data.toString());
  if (level === 1) {
    // A random place in the index, and a random change there.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(index, []);
    const path = paths[1 + pick(paths.length - 1)]!;
    const parent = path.slice(0, -1).reduce((o: any, k) => o[k], index);
    const key = path[path.length - 1]!;
    const values = [null, -1, -5, 1.5, 2 ** 52, 2 ** 53 + 2, 0, '', 'x', [], {}, true, 'sha256:' + '0'.repeat(64), index.layers[0]?.patch?.digest ?? 1];
    const k = pick(4);
    let how: string;
    if (k === 0 && !Array.isArray(parent)) { delete parent[key]; how = `index: delete ${path.join('.')}`; }
    else if (k === 1 && Array.isArray(parent)) { parent.splice(Number(key), 0, parent[Number(key)]); how = `index: repeat ${path.join('.')}`; }
    else if (k === 2 && Array.isArray(parent)) { parent.splice(Number(key), 1); how = `index: drop ${path.join('.')}`; }
    else { const v = values[pick(values.length)]; parent[key] = v; how = `index: ${path.join('.')} = ${JSON.stringify(v)}`; }
    entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
    return { bytes: entries, how };
  }
  // A layer patch, altered, with its name and the index made to agree again.
  const patched = index.layers.filter((l: any) => l.how === 'patch');
  const l = patched[pick(patched.length)];
  const i = entries.findIndex((e) => e.name === `blobs/sha256/${l.patch.digest.slice(7)}`);
  let blob = Buffer.from(entries[i]!.data);
  const k = pick(3);
  let how: string;
  if (k === 0) {
    const n = 1 + pick(4);
    for (let j = 0; j < n; j++) blob[MAGIC.length + pick(blob.length - MAGIC.length)] ^= 1 << pick(8);
    how = `patch: flip ${n} bits (re-hashed)`;
  } else if (k === 1) {
    blob = blob.subarray(0, MAGIC.length + pick(blob.length - MAGIC.length));
    how = 'patch: truncate (re-hashed)';
  } else {
    // The operation list of a block (each block's first frame; blocks are three frames plus their files' segments):
    // the first frame is always one; decode it, change it, compress it again.
    const fs = frames(blob);
    const f = fs[0]!;
    const ops = mutateOps(decompress(Buffer.from(f.z), f.raw, undefined, 'fuzz'), r, Number(blob.toString('latin1', 7, 8)));
    const z = compress(ops, 3);
    const v = new VarintWriter();
    v.uint(ops.length);
    v.uint(z.length);
    blob = Buffer.concat([blob.subarray(0, f.at), v.bytes(), z, blob.subarray(f.end)]);
    how = 'patch: operation list changed (re-hashed)';
  }
  l.patch.digest = sha(blob);
  l.patch.size = blob.length;
  entries[i] = { name: `blobs/sha256/${l.patch.digest.slice(7)}`, data: blob };
  entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
  return { bytes: entries, how };
}

interface Reader { args: string[]; stdin?: boolean; out?: string }
const READERS: ((f: string, n: number) => Reader)[] = [
  (f, n) => ({ args: ['apply', f, '--base', t('base.tar'), '-o', t(`out-${n}.tar`)], out: t(`out-${n}.tar`) }),
  (f, n) => ({ args: ['apply', f, '--base', t('base.tar'), '-o', `oci:${t(`layout-${n}`)}:x`], out: t(`layout-${n}`) }),
  (_f, n) => ({ args: ['apply', '-', '--base', t('base.tar'), '-o', t(`out-stdin-${n}.tar`)], stdin: true, out: t(`out-stdin-${n}.tar`) }),
  (f) => ({ args: ['inspect', f] }),
  (f) => ({ args: ['inspect', '--json', f] }),
  (f) => ({ args: ['verify', f] }),
  (f) => ({ args: ['check', f, '--have', t('have.json')] }),
];

interface Finding { seed: string; round: number; how: string; args: string[]; stdin: boolean; problem: string }

function problemOf(r: Awaited<ReturnType<typeof measure>>, reader: Reader): string | undefined {
  if (r.timedOut) return `timed out (${r.seconds.toFixed(1)} s)`;
  if (/\n\s+at /.test(r.stderr)) return 'stack trace';
  if (/internal error/.test(r.stderr)) return `internal error: ${r.stderr.trim()}`;
  if (r.status !== 0 && r.status !== 1) return `exit status ${r.status}: ${r.stderr.trim().slice(0, 300)}`;
  const lines = r.stderr.trim().split('\n');
  if (r.status === 1 && lines.length !== 1 && !/^(FAIL|OK)/m.test(r.stdout)) return `more than one line: ${r.stderr.slice(0, 300)}`;
  if (r.rssMB > RSS_LIMIT_MB) return `peak RSS ${r.rssMB} MB`;
  if (reader.out && r.status !== 0 && existsSync(reader.out)) return `a failed apply left ${reader.out}`;
  if (reader.out && r.status === 0) {
    const v = stowage(['verify', reader.args[reader.args.length - 1]!]);
    if (v.status !== 0) return `apply exited 0 and its output does not verify: ${(v.stderr || v.stdout).trim().split('\n').pop()}`;
  }
  return undefined;
}

async function run(input: string, reader: Reader) {
  return measure(reader.args, { timeoutMs: 60_000, ...(reader.stdin ? { stdinFile: input } : {}) });
}

describe('fuzz: mutated patch deltas through apply, inspect, verify and check', () => {
  let seedFiles: string[] = [];
  before(() => {
    seedFiles = makeSeeds();
  });

  const replay = process.env.STOWAGE_PATCH_FUZZ_REPLAY;
  if (replay) {
    it(`replays ${replay}`, async () => {
      const f = JSON.parse(readFileSync(replay, 'utf8')) as Finding & { input: string; out?: string };
      const fix = (a: string) => (a === '{input}' ? f.input : a.replaceAll('{tmp}', tmp));
      const reader: Reader = { args: f.args.map(fix), stdin: f.stdin, ...(f.out ? { out: fix(f.out) } : {}) };
      assert.equal(problemOf(await run(f.input, reader), reader), undefined);
    });
    return;
  }

  const skip = SECONDS > 0 ? false : 'STOWAGE_PATCH_FUZZ_SECONDS is 0';
  it(`seed ${JSON.stringify(SEED)}, ${SECONDS} s: no trace, no internal error, no bad image passed, RSS under ${RSS_LIMIT_MB} MB`, { skip, timeout: (SECONDS + 180) * 1000 }, async () => {
    const r = rng(SEED);
    const seeds = seedFiles.map((f) => readFileSync(f));
    const findings: Finding[] = [];
    const started = Date.now();
    let round = 0;
    let maxRss = 0;
    const exits: Record<number, number> = {};
    while ((Date.now() - started) / 1000 < SECONDS) {
      round++;
      const m = mutate(seeds[Math.floor(r() * seeds.length)]!, r);
      const input = t(`round-${round}.patch`);
      if (Buffer.isBuffer(m.bytes)) writeFileSync(input, m.bytes);
      else await writeTar(input, m.bytes);
      const reader = READERS[Math.floor(r() * READERS.length)]!(input, round);
      const res = await run(input, reader);
      maxRss = Math.max(maxRss, res.rssMB);
      exits[res.status] = (exits[res.status] ?? 0) + 1;
      const problem = problemOf(res, reader);
      if (problem) {
        mkdirSync(CORPUS, { recursive: true });
        const bytes = readFileSync(input);
        const name = `patch-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
        const kept = join(CORPUS, `${name}.patch`);
        writeFileSync(kept, bytes);
        const rel = (a: string) => (a === input ? '{input}' : a.replaceAll(tmp, '{tmp}'));
        const f: Finding = { seed: SEED, round, how: m.how, args: reader.args.map(rel), stdin: !!reader.stdin, problem };
        writeFileSync(join(CORPUS, `${name}.json`), JSON.stringify({ ...f, input: kept, ...(reader.out ? { out: rel(reader.out) } : {}) }, null, 2) + '\n');
        findings.push(f);
      }
      // Rounds leave nothing behind: outputs would fill the scratch folder over a long run.
      rmSync(input, { force: true });
      if (reader.out) rmSync(reader.out, { recursive: true, force: true });
    }
    process.stderr.write(`patch fuzz: seed ${JSON.stringify(SEED)}: ${round} rounds in ${SECONDS} s, exits ${JSON.stringify(exits)}, peak RSS ${maxRss} MB, ${findings.length} findings${findings.length ? ` (kept in ${CORPUS})` : ''}\n`);
    assert.ok(round > 0);
    assert.deepEqual(findings.map((f) => `(${f.how}) | ${f.args.join(' ')}${f.stdin ? ' < input' : ''}: ${f.problem}`), []);
  });
});
