/**
 * The fuzz job (issue 15): seeded, time-boxed mutation of real archives through every reader. Seeds are the
 * example archives and what stowage itself makes of them at test time (an OCI archive, a Docker 25 archive, gzip of
 * each). Each round mutates one seed (byte flips, tar size fields rewritten in octal or base-256, truncation,
 * duplicated or inserted blocks; gzip seeds are mutated before compression, so the CRC does not hide everything)
 * and runs one reader: inspect, verify, export or diff, from the file or from standard input. A round fails on
 * a stack trace, "internal error", an exit status other than 0 or 1, a timeout, or a peak RSS over 250 MB.
 *
 * Knobs: STOWAGE_FUZZ_SEED (default "stowage-15"), STOWAGE_FUZZ_SECONDS (default 150, what CI runs),
 * STOWAGE_FUZZ_CORPUS (where failing inputs are kept, default fuzz-corpus/ in the checkout; each with a .json
 * saying the command, seed and round), STOWAGE_FUZZ_REPLAY=FILE.json (runs one recorded failure again).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { stowage } from '../helpers/cli.js';
import { EXAMPLES, ROOT, scratch } from '../helpers/paths.js';
import { RSS_LIMIT_MB, measure } from '../hostile/measure.js';

const SEED = process.env.STOWAGE_FUZZ_SEED ?? 'stowage-15';
const SECONDS = Number(process.env.STOWAGE_FUZZ_SECONDS ?? 150);
const CORPUS = process.env.STOWAGE_FUZZ_CORPUS ?? join(ROOT, 'fuzz-corpus');
const tmp = scratch('stowage-fuzz-');

/** A small deterministic PRNG (mulberry32) seeded from the seed string. */
function rng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  name: string;
  tar: Buffer;
  gzip: boolean;
}

/** The seeds: the examples, and the OCI and Docker 25 archives stowage makes of them. */
function seeds(): Seed[] {
  const out: Seed[] = [];
  for (const f of ['app-1.tar', 'app-2.tar']) out.push({ name: f, tar: readFileSync(join(EXAMPLES, f)), gzip: false });
  const oci = join(tmp, 'app-2-oci.tar');
  const d25 = join(tmp, 'app-2-docker25.tar');
  assert.equal(stowage(['copy', join(EXAMPLES, 'app-2.tar'), `oci-archive:${oci}`]).status, 0);
  assert.equal(stowage(['copy', '--layout', 'oci', join(EXAMPLES, 'app-2.tar'), d25]).status, 0);
  out.push({ name: 'app-2-oci.tar', tar: readFileSync(oci), gzip: false }, { name: 'app-2-docker25.tar', tar: readFileSync(d25), gzip: false });
  for (const s of [...out]) out.push({ name: `${s.name}.gz`, tar: s.tar, gzip: true });
  return out;
}

/** One mutation of a tar, chosen by `r`. */
function mutate(tar: Buffer, r: () => number): { bytes: Buffer; how: string } {
  const b = Buffer.from(tar);
  const blocks = Math.max(1, Math.floor(b.length / 512));
  const pick = (n: number) => Math.floor(r() * n);
  const k = pick(7);
  if (k === 0) {
    const flips = 1 + pick(16);
    for (let i = 0; i < flips; i++) b[pick(b.length)] ^= 1 << pick(8);
    return { bytes: b, how: `flip ${flips} bits` };
  }
  if (k === 1 || k === 2) {
    // A header's size field: a random octal number, or base-256 (negative or huge).
    const at = pick(blocks) * 512 + 124;
    if (k === 1) b.write(Math.floor(r() * 2 ** 33).toString(8).padStart(11, '0').slice(-11) + '\0', at, 12, 'latin1');
    else {
      b.fill(r() < 0.5 ? 0xff : 0x80, at, at + 12);
      for (let i = 1 + pick(11); i < 12; i++) b[at + i] = pick(256);
    }
    return { bytes: b, how: `size field at ${at}` };
  }
  if (k === 3) return { bytes: b.subarray(0, pick(b.length)), how: 'truncate' };
  if (k === 4) {
    const from = pick(blocks) * 512;
    const len = 512 * (1 + pick(8));
    const at = pick(blocks) * 512;
    return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]), how: `duplicate ${len} bytes at ${at}` };
  }
  if (k === 5) {
    // A header field rewritten with random text (name, type flag, link name, magic).
    const at = pick(blocks) * 512 + [0, 156, 157, 257, 345][pick(5)]!;
    for (let i = 0; i < 1 + pick(40); i++) b[at + i] = pick(256);
    return { bytes: b, how: `header bytes at ${at}` };
  }
  const at = pick(b.length);
  const junk = Buffer.alloc(1 + pick(2048));
  for (let i = 0; i < junk.length; i++) junk[i] = pick(256);
  return { bytes: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]), how: `insert ${junk.length} bytes at ${at}` };
}

const READERS: ((f: string) => { args: string[]; stdin?: boolean })[] = [
  (f) => ({ args: ['inspect', f] }),
  (f) => ({ args: ['inspect', '--json', f] }),
  (f) => ({ args: ['verify', f] }),
  (f) => ({ args: ['export', f, '-o', join(tmp, 'export.tar')] }),
  (f) => ({ args: ['diff', join(EXAMPLES, 'app-1.tar'), f] }),
  (f) => ({ args: ['diff', '--files', join(EXAMPLES, 'app-1.tar'), f] }),
  () => ({ args: ['inspect', '-'], stdin: true }),
  () => ({ args: ['verify', '-'], stdin: true }),
  () => ({ args: ['export', '-', '-o', join(tmp, 'export-stdin.tar')], stdin: true }),
];

interface Finding {
  seed: string;
  round: number;
  source: string;
  how: string;
  args: string[];
  stdin: boolean;
  problem: string;
}

/**
 * What is wrong with a run, if anything. `diff` follows diff(1): 1 means the images differ, 2 is trouble; every
 * other command fails with 1.
 */
function problemOf(r: Awaited<ReturnType<typeof measure>>, args: string[]): string | undefined {
  const trouble = args[0] === 'diff' ? 2 : 1;
  if (r.timedOut) return `timed out (${r.seconds.toFixed(1)} s)`;
  if (/\n\s+at /.test(r.stderr)) return 'stack trace';
  if (/internal error/.test(r.stderr)) return `internal error: ${r.stderr.trim()}`;
  if (r.status !== 0 && r.status !== 1 && r.status !== trouble) return `exit status ${r.status}: ${r.stderr.trim().slice(0, 300)}`;
  if (r.status === trouble && r.stderr.trim().split('\n').length !== 1 && !/^(FAIL|OK)/m.test(r.stdout)) return `more than one line: ${r.stderr.slice(0, 300)}`;
  if (r.rssMB > RSS_LIMIT_MB) return `peak RSS ${r.rssMB} MB`;
  return undefined;
}

async function run(input: string, reader: { args: string[]; stdin?: boolean }) {
  return measure(reader.args, { timeoutMs: 60_000, ...(reader.stdin ? { stdinFile: input } : {}) });
}

describe('fuzz: mutated archives through every reader', () => {
  const replay = process.env.STOWAGE_FUZZ_REPLAY;
  if (replay) {
    it(`replays ${replay}`, async () => {
      const f = JSON.parse(readFileSync(replay, 'utf8')) as Finding & { input: string };
      const r = await run(f.input, { args: f.args.map((a) => (a === '{input}' ? f.input : a.replace('{tmp}', tmp))), stdin: f.stdin });
      assert.equal(problemOf(r, f.args), undefined, r.stderr);
    });
    return;
  }

  const skip = SECONDS > 0 ? false : 'STOWAGE_FUZZ_SECONDS is 0';
  it(`seed ${JSON.stringify(SEED)}, ${SECONDS} s: no trace, no internal error, RSS under ${RSS_LIMIT_MB} MB`, { skip, timeout: (SECONDS + 180) * 1000 }, async () => {
    const r = rng(SEED);
    const all = seeds();
    const findings: Finding[] = [];
    const started = Date.now();
    let round = 0;
    let maxRss = 0;
    const exits = { 0: 0, 1: 0 } as Record<number, number>;
    while ((Date.now() - started) / 1000 < SECONDS) {
      round++;
      const s = all[Math.floor(r() * all.length)]!;
      const m = mutate(s.tar, r);
      const bytes = s.gzip ? gzipSync(m.bytes, { level: 1 }) : m.bytes;
      const input = join(tmp, `round-${round}${s.gzip ? '.tar.gz' : '.tar'}`);
      writeFileSync(input, bytes);
      const reader = READERS[Math.floor(r() * READERS.length)]!(input);
      const res = await run(input, reader);
      maxRss = Math.max(maxRss, res.rssMB);
      exits[res.status] = (exits[res.status] ?? 0) + 1;
      const problem = problemOf(res, reader.args);
      if (problem) {
        mkdirSync(CORPUS, { recursive: true });
        const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
        const kept = join(CORPUS, `${name}${s.gzip ? '.tar.gz' : '.tar'}`);
        writeFileSync(kept, bytes);
        const f: Finding = { seed: SEED, round, source: s.name, how: m.how, args: reader.args.map((a) => (a === input ? '{input}' : a.replace(tmp, '{tmp}'))), stdin: !!reader.stdin, problem };
        writeFileSync(join(CORPUS, `${name}.json`), JSON.stringify({ ...f, input: kept }, null, 2) + '\n');
        findings.push(f);
      }
    }
    process.stderr.write(`fuzz: seed ${JSON.stringify(SEED)}: ${round} rounds in ${SECONDS} s, exits ${JSON.stringify(exits)}, peak RSS ${maxRss} MB, ${findings.length} findings${findings.length ? ` (kept in ${CORPUS})` : ''}\n`);
    assert.ok(round > 0);
    assert.deepEqual(findings.map((f) => `${f.source} (${f.how}) | ${f.args.join(' ')}${f.stdin ? ' < input' : ''}: ${f.problem}`), []);
  });
});
