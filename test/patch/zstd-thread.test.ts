/**
 * Frames made beside the encoder (src/patch/zstd-thread.ts): a big frame, made on the zstd worker thread, and a small
 * one, made at once, are byte for byte what zstd.ts's `compress` makes on this thread, with and without a
 * reference; they decode to their input; buffers the caller gives up are moved (emptied here), others are copied
 * and left as they were; many frames sent at once come back each to its own caller.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { seeded } from '../helpers/build-layer.js';
import { compress, decompress } from '../../src/patch/zstd.js';
import { compressBeside } from '../../src/patch/zstd-thread.js';

/** An old file and a new one made from it with a small edit every 64 KiB (a changed binary). */
let old: Buffer;
let edited: Buffer;

before(() => {
  old = seeded('zstd-thread-ref', 3 << 20);
  const parts: Buffer[] = [];
  for (let i = 0; i < 2 << 20; i += 65536) parts.push(old.subarray((1 << 20) + i, (1 << 20) + i + 65529), Buffer.from('edited!'));
  edited = Buffer.concat(parts);
});

describe('zstd frames beside the encoder', () => {
  it('a big frame against a reference, made on the thread, is the frame compress makes here', async () => {
    const want = compress(edited, 12, old);
    const got = await compressBeside(edited, 12, old);
    assert.ok(got.equals(want), `thread frame ${got.length} B, here ${want.length} B`);
    assert.ok(got.length < 20000, `the reference was used (${got.length} B for ${edited.length} B)`);
    assert.ok(decompress(got, edited.length, old, 'test').equals(edited));
    assert.equal(edited.length, 2 << 20, 'a buffer not given up is left as it was');
  });

  it('a small frame and a big one without a reference are the frames compress makes', async () => {
    const small = edited.subarray(0, 100000);
    assert.ok((await compressBeside(small, 19)).equals(compress(small, 19)));
    assert.ok((await compressBeside(edited, 3)).equals(compress(edited, 3)));
  });

  it('buffers given up are moved to the thread; a view of a larger buffer is copied', async () => {
    const src = Buffer.from(edited); // (a whole ArrayBuffer of its own)
    const ref = Buffer.from(old);
    const want = compress(edited, 9, old);
    const p = compressBeside(src, 9, ref, { src: true, ref: true });
    assert.equal(src.length, 0, 'the source moved');
    assert.equal(ref.length, 0, 'the reference moved');
    assert.ok((await p).equals(want));
    const view = old.subarray(1000, 1000 + (1 << 20));
    const copy = Buffer.from(view);
    const f = await compressBeside(view, 9, undefined, { src: true, ref: true });
    assert.ok(view.equals(copy), 'a view is not moved');
    assert.ok(f.equals(compress(copy, 9)));
  });

  it('frames sent together come back each to its caller', async () => {
    const inputs = [0, 1, 2, 3, 4].map((k) => edited.subarray(k * 300000, k * 300000 + 600000 + k * 1000));
    const frames = await Promise.all(inputs.map((b) => compressBeside(b, 6, old)));
    frames.forEach((f, k) => assert.ok(decompress(f, inputs[k]!.length, old, 'test').equals(inputs[k]!), `frame ${k}`));
  });
});
