/** parallel-gzip: one ordinary gzip member, whatever the block boundaries; the same bytes every time. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parallelGzip } from '../../src/compress/parallel-gzip.js';

const BLOCK = 64 << 10;

/** Text-like bytes with repeats across block boundaries (so back-references cross them). */
function data(n: number): Buffer {
  const out = Buffer.alloc(n);
  let h = createHash('sha256').update('seed').digest();
  for (let i = 0; i < n; i += 32) {
    if (i % 4096 < 2048) h = createHash('sha256').update(h).digest();
    h.copy(out, i);
  }
  return out;
}

async function gz(input: Buffer, chunk: number): Promise<Buffer> {
  async function* chunks() { for (let o = 0; o < input.length; o += chunk) yield input.subarray(o, o + chunk); }
  const out: Buffer[] = [];
  for await (const c of parallelGzip(chunks(), 2, { block: BLOCK, inFlight: 3 })) out.push(c);
  return Buffer.concat(out);
}

describe('parallel gzip', () => {
  for (const n of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 12345]) {
    it(`round-trips ${n} bytes, through zlib and GNU gzip, identically for any input chunking`, async () => {
      const input = data(n);
      const a = await gz(input, 1000);
      const b = await gz(input, 1 << 20);
      assert.ok(a.equals(b), 'the same bytes whatever the input chunks');
      assert.ok(gunzipSync(a).equals(input));
      assert.ok(execFileSync('gzip', ['-dc'], { input: a }).equals(input));
    });
  }
  it('compresses across block boundaries about as well as one stream', async () => {
    const input = data(8 * BLOCK);
    const { gzipSync } = await import('node:zlib');
    assert.ok((await gz(input, 1 << 16)).length < gzipSync(input, { level: 2 }).length * 1.05);
  });
});
