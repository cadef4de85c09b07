/**
 * The shared block coder at its edges, decoded by zlib (a real inflater): codes of 15 bits on the length and distance
 * symbols with the most extra bits, so that a distance takes more than 24 bits and goes in two steps, and a length
 * 20 bits; and the token writer picking up after bits written one at a time (a sink holding 8-15 pending bits).
 * The byte-exactness tests against Go and pgzip (go-flate, go127, pgzip) cover the usual paths.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { DynamicHeader } from '../../src/compress/recipes/deflate-blocks/dynamic-header.js';
import { writeStoredHeader } from '../../src/compress/recipes/deflate-blocks/stored-block.js';
import { TokenWriter } from '../../src/compress/recipes/deflate-blocks/token-writer.js';
import { BitSink } from '../../src/compress/recipes/go-flate/bit-sink.js';
import {
  DISTANCE_BASE, DISTANCE_EXTRA, END_OF_BLOCK, FIRST_LENGTH_SYMBOL, LENGTH_BASE, LENGTH_EXTRA, matchToken,
} from '../../src/compress/recipes/go-flate/codes.js';
import { HuffmanCode } from '../../src/compress/recipes/go-flate/huffman.js';

/** A deterministic byte stream (xorshift), so that a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Fibonacci counts over `symbols` (the rarest first): the shape that drives a length-limited code to its limit. */
function skewed(symbols: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  let a = 1, b = 1;
  for (const s of symbols) {
    counts.set(s, a);
    [a, b] = [b, a + b];
  }
  return counts;
}

interface Block { tokens: Int32Array; expected: Buffer }

/**
 * 32 KiB of literals, then matches whose length and distance symbols follow the skewed counts (shuffled), each at a
 * random length and distance within its symbol; the expected bytes are the tokens replayed.
 */
function makeBlock(seed: number): Block {
  const next = random(seed);
  const lengthCounts = skewed([284, 283, 282, 281, 280, 279, 278, 277, 276, 275, 274, 273, 272, 271, 270, 269, 268, 267]);
  const distanceCounts = skewed([29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12]);
  const lengths: number[] = [];
  for (const [s, n] of lengthCounts) for (let i = 0; i < n; i++) lengths.push(s);
  const distances: number[] = [];
  for (const [s, n] of distanceCounts) for (let i = 0; i < n; i++) distances.push(s);
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
  };
  shuffle(lengths);
  shuffle(distances);
  const matches = Math.min(lengths.length, distances.length);
  const tokens = new Int32Array(32768 + matches);
  const out: number[] = [];
  let n = 0;
  for (let i = 0; i < 32768; i++) {
    const b = next() & 0xff;
    tokens[n++] = b;
    out.push(b);
  }
  for (let i = 0; i < matches; i++) {
    const lc = lengths[i] - FIRST_LENGTH_SYMBOL;
    const length = 3 + LENGTH_BASE[lc] + (next() % (1 << LENGTH_EXTRA[lc]));
    const dc = distances[i];
    const distance = 1 + DISTANCE_BASE[dc] + (next() % (1 << DISTANCE_EXTRA[dc]));
    tokens[n++] = matchToken(length, distance);
    for (let k = 0; k < length; k++) out.push(out[out.length - distance]);
  }
  return { tokens, expected: Buffer.from(out) };
}

/** The block's counts, in the alphabets' shapes. */
function count(tokens: Int32Array): { lf: Int32Array; df: Int32Array } {
  const lf = new Int32Array(286);
  const df = new Int32Array(30);
  for (const t of tokens) {
    if (t < 1 << 30) {
      lf[t]++;
      continue;
    }
    const xl = (t >>> 22) & 0xff;
    let lc = 28;
    while (LENGTH_BASE[lc] > xl) lc--;
    lf[FIRST_LENGTH_SYMBOL + lc]++;
    const xd = t & 0xffff;
    let dc = 29;
    while (DISTANCE_BASE[dc] > xd) dc--;
    df[dc]++;
  }
  lf[END_OF_BLOCK] = 1;
  return { lf, df };
}

/** `lead` empty fixed blocks (10 bits each, through BitSink.bits), one dynamic block of the tokens, an empty final stored block. */
function encode(block: Block, lead: number): { deflated: Buffer; lit: HuffmanCode; dist: HuffmanCode } {
  const chunks: Uint8Array[] = [];
  const out = new BitSink((b) => chunks.push(b));
  const { lf, df } = count(block.tokens);
  const lit = new HuffmanCode(286);
  const dist = new HuffmanCode(30);
  lit.build(lf, 15);
  dist.build(df, 15);
  let nl = 286;
  while (lf[nl - 1] === 0) nl--;
  const header = new DynamicHeader();
  header.prepare(lit, nl, dist, 30);
  // Each moves the bit position by 10, so the tokens start at other pending bit counts.
  for (let i = 0; i < lead; i++) {
    out.bits(2, 3);
    out.bits(0, 7);
  }
  header.write(out);
  const writer = new TokenWriter();
  writer.tokens(out, block.tokens, block.tokens.length, lit, dist);
  out.bits(lit.codes[END_OF_BLOCK], lit.lengths[END_OF_BLOCK]);
  writeStoredHeader(out, 0, true);
  out.alignToByte();
  out.drain();
  return { deflated: Buffer.concat(chunks), lit, dist };
}

describe('deflate-blocks token writer', () => {
  it('writes 15-bit codes with the most extra bits (two-step distances, 20-bit lengths) as zlib reads them', () => {
    for (const seed of [1, 2, 3]) {
      const block = makeBlock(seed);
      const { deflated, lit, dist } = encode(block, 0);
      // The premise: the rarest symbols reach the 15-bit limit, so a distance takes 15 + 13 bits.
      assert.equal(dist.lengths[29], 15);
      assert.ok(lit.lengths[284] >= 14, `length symbol 284 has ${lit.lengths[284]} bits`);
      assert.ok(inflateRawSync(deflated).equals(block.expected), `seed ${seed}: zlib's bytes differ`);
    }
  });

  it('picks up from any number of pending bits', () => {
    const block = makeBlock(7);
    for (let lead = 0; lead < 8; lead++) {
      const { deflated } = encode(block, lead);
      assert.ok(inflateRawSync(deflated).equals(block.expected), `after ${lead} empty fixed blocks: zlib's bytes differ`);
    }
  });

  it('keeps its tables while a code stays the same and remakes them when the code is rebuilt', () => {
    const a = makeBlock(11), b = makeBlock(12);
    const chunks: Uint8Array[] = [];
    const out = new BitSink((x) => chunks.push(x));
    const writer = new TokenWriter();
    const lit = new HuffmanCode(286), dist = new HuffmanCode(30);
    const header = new DynamicHeader();
    for (const block of [a, b]) {
      // The same two code objects, rebuilt for each block: the writer must notice.
      const { lf, df } = count(block.tokens);
      lit.build(lf, 15);
      dist.build(df, 15);
      header.prepare(lit, 286, dist, 30);
      header.write(out);
      writer.tokens(out, block.tokens, block.tokens.length, lit, dist);
      out.bits(lit.codes[END_OF_BLOCK], lit.lengths[END_OF_BLOCK]);
    }
    writeStoredHeader(out, 0, true);
    out.alignToByte();
    out.drain();
    const both = inflateRawSync(Buffer.concat(chunks));
    // Each block starts with 32 KiB of literals, so its matches reach no further back than its own bytes.
    assert.ok(both.subarray(0, a.expected.length).equals(a.expected), 'first block differs');
    assert.ok(both.subarray(a.expected.length).equals(b.expected), 'second block differs');
  });
});
