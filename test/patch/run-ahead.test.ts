/**
 * The chunks apply hands its writer (src/patch/run-ahead.ts): the same bytes in the same order whatever the piece
 * sizes, a decoder error reaching the writer after the bytes before it, a writer that stops early stopping the
 * decoder (its finally runs, as the patch source's close does), and the decoder held back at the byte bound.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gathered, runAhead } from '../../src/patch/run-ahead.js';

/** Pieces of many sizes, as the decoder yields them: headers, small files, 1 MiB reads of big files. */
function pieces(): Buffer[] {
  const sizes = [512, 512, 3, 70_000, 512, 1 << 20, 100, 65_536, 65_535, 512, 2 << 20, 7, 0, 512, 300_000];
  const out: Buffer[] = [];
  for (let k = 0; k < 6; k++) for (const n of sizes) out.push(randomBytes(n));
  return out;
}

async function* slowly(parts: Buffer[], onEnd?: () => void): AsyncGenerator<Buffer> {
  try {
    for (const p of parts) {
      await new Promise((r) => setImmediate(r));
      yield p;
    }
  } finally {
    onEnd?.();
  }
}

const sha = (bufs: Buffer[]) => bufs.reduce((h, b) => h.update(b), createHash('sha256')).digest('hex');

describe('apply: the rebuilt layer run ahead of the writer', () => {
  it('passes the same bytes in the same order, big pieces uncopied', async () => {
    const parts = pieces();
    const got: Buffer[] = [];
    for await (const c of runAhead(gathered(slowly(parts)), 1 << 20)) got.push(c);
    assert.equal(sha(got), sha(parts));
    assert.equal(Buffer.concat(got).length, parts.reduce((n, b) => n + b.length, 0));
    // Every piece of 64 KiB or more arrives as the very buffer the decoder yielded.
    for (const p of parts.filter((b) => b.length >= 64 << 10)) assert.ok(got.includes(p));
    // Small pieces are gathered: per round of 15 pieces, 5 big ones go alone and the 5 runs of small ones between
    // them (none reaching 1 MiB) one chunk each.
    assert.equal(got.length, 6 * 10);
    assert.deepEqual(got.slice(0, 10).map((c) => c.length), [1027, 70_000, 512, 1 << 20, 100, 65_536, 66_047, 2 << 20, 519, 300_000]);
  });

  it('gives a decoder error after the bytes before it', async () => {
    const parts = pieces().slice(0, 10);
    async function* failing() {
      yield* slowly(parts);
      throw new Error('corrupt patch (test)');
    }
    const got: Buffer[] = [];
    await assert.rejects(async () => { for await (const c of runAhead(failing(), 1 << 20)) got.push(c); }, /corrupt patch \(test\)/);
    assert.equal(sha(got), sha(parts));
  });

  it('stops the decoder when the writer stops, and runs its finally', async () => {
    let ended = false;
    for await (const c of runAhead(slowly(pieces(), () => { ended = true; }), 1 << 20)) {
      assert.ok(c.length >= 0);
      break;
    }
    assert.equal(ended, true);
  });

  it('holds the decoder back at the byte bound', async () => {
    let pulled = 0;
    async function* counting() {
      for (const p of pieces()) {
        pulled += p.length;
        yield p;
      }
    }
    const limit = 4 << 20;
    const it = runAhead(counting(), limit)[Symbol.asyncIterator]();
    await it.next();
    for (let k = 0; k < 50; k++) await new Promise((r) => setImmediate(r));
    // The bound, plus the one piece that crossed it (the biggest piece is 2 MiB) and the one handed over.
    assert.ok(pulled <= limit + (4 << 20), `pulled ${pulled} bytes ahead with a bound of ${limit}`);
    assert.ok(pulled > 1 << 20, 'the decoder ran ahead at all');
    await it.return?.(undefined);
  });
});
