/**
 * gzip files of a rebuilt layer compressed again on a thread (src/patch/gz-thread.ts), and their pieces taking
 * their place in the order the writer gets (run-ahead.ts): the thread's bytes are the synchronous encoder's, which
 * gunzip gives back as the content; pieces still coming keep the order; a failed one reaches the writer after the
 * bytes before it.
 */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { GzThread } from '../../src/patch/gz-thread.js';
import { gzipByRecipe } from '../../src/patch/gz-inside.js';
import { gathered, runAhead } from '../../src/patch/run-ahead.js';
import { StowageError } from '../../src/errors.js';

/** A changelog-like text of about `n` bytes. */
const text = (n: number, seed: number) => {
  const lines: string[] = [];
  for (let i = 0, len = 0; len < n; i++) {
    const l = `  * entry ${i * seed} fixes bug #${(i * 7919 + seed) % 100_000} in module ${i % 37}\n`;
    lines.push(l);
    len += l.length;
  }
  return Buffer.from(lines.join(''));
};

describe('apply: gzip files compressed again on a thread', () => {
  it('makes the synchronous encoder\'s bytes for GNU gzip and zlib recipes, in the order asked', async () => {
    const t = new GzThread('test');
    try {
      const jobs = [9, 6, 1, 19, 16].map((code, k) => ({ code, content: text(50_000 + k * 30_000, k + 1) }));
      const asked = [];
      for (const j of jobs) asked.push((await t.encode(j.code, j.content)).bytes);
      const got = await Promise.all(asked);
      for (const [k, j] of jobs.entries()) {
        assert.ok(got[k]!.equals(gzipByRecipe(j.code, j.content)), `recipe ${j.code}`);
        assert.ok(gunzipSync(got[k]!).equals(j.content));
      }
    } finally {
      await t.close();
    }
  });

  it('keeps the order of pieces still coming among the others, and a failed one reaches the writer in its turn', async () => {
    const late = (b: Buffer, ms: number) => ({ length: b.length, bytes: new Promise<Buffer>((r) => setTimeout(() => r(b), ms)) });
    const a = Buffer.from('a'.repeat(100)), b = Buffer.alloc(70_000, 1), c = Buffer.from('c'.repeat(10)), d = Buffer.from('d'.repeat(5));
    async function* pieces() {
      yield a;
      yield late(b, 30);
      yield c;
      yield late(d, 1);
    }
    const got: Buffer[] = [];
    for await (const x of runAhead(gathered(pieces()), 1 << 20)) got.push(x);
    assert.ok(Buffer.concat(got).equals(Buffer.concat([a, b, c, d])));
    async function* failing() {
      yield a;
      const bytes = Promise.reject(new StowageError('corrupt patch (test)', { code: 'corrupt' }));
      bytes.catch(() => undefined);
      yield { length: 10, bytes };
      yield c;
    }
    const seen: Buffer[] = [];
    await assert.rejects(async () => { for await (const x of runAhead(gathered(failing()), 1 << 20)) seen.push(x); }, /corrupt patch \(test\)/);
    assert.ok(Buffer.concat(seen).equals(a));
  });
});
