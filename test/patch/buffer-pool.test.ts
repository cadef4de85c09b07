/**
 * apply's lent read buffers (src/patch/buffer-pool.ts): a slab given back is lent again, only the pool's own buffers
 * go back and only big ones are lent, run-ahead gives a chunk back only once the writer asked for the next one,
 * gathered gathers into lent slabs, and a base file streamed through reused slabs into a file that a writer wrote
 * chunk by chunk is the file's bytes exactly.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BufferPool, POOL_SLAB } from '../../src/patch/buffer-pool.js';
import { LayerFile } from '../../src/patch/layer-file.js';
import { gathered, runAhead } from '../../src/patch/run-ahead.js';
import type { Layer } from '../../src/image/layer.js';

const sameMemory = (a: Buffer, b: Buffer) => a.buffer === b.buffer && a.byteOffset === b.byteOffset;

describe('apply: lent read buffers', () => {
  let dir = '';
  let file = '';
  let bytes = Buffer.alloc(0);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-pool-'));
    file = join(dir, 'base.tar');
    bytes = randomBytes(7 * POOL_SLAB + 12345);
    await writeFile(file, bytes);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lends a slab given back again, and takes back only its own buffers', () => {
    const pool = new BufferPool();
    const a = pool.take(POOL_SLAB - 1000);
    assert.equal(a.length, POOL_SLAB - 1000);
    assert.ok(pool.owns(a));
    pool.give(a);
    assert.ok(!pool.owns(a));
    const b = pool.take(POOL_SLAB);
    assert.ok(sameMemory(a, b), 'the slab given back is the one lent next');
    // A buffer it did not lend, one given twice, one too big for a slab: ignored, never lent out. One of less than
    // half a slab is not lent either (it would hold a whole slab for a few bytes).
    const foreign = Buffer.alloc(POOL_SLAB);
    pool.give(foreign);
    pool.give(a);
    assert.ok(!pool.owns(pool.take(POOL_SLAB + 1)));
    assert.ok(!pool.owns(pool.take(POOL_SLAB / 2 - 1)));
    const c = pool.take(POOL_SLAB / 2);
    assert.ok(pool.owns(c));
    assert.ok(!sameMemory(c, foreign) && !sameMemory(c, b), 'only free slabs are lent');
  });

  it('run-ahead gives a chunk back only when the writer asks for the next', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => Buffer.alloc(100_000, i));
    const released: Buffer[] = [];
    const it = runAhead((async function* () { yield* chunks; })(), 1 << 20, (b) => released.push(b))[Symbol.asyncIterator]();
    for (let k = 0; k < chunks.length; k++) {
      const r = await it.next();
      assert.equal(r.value, chunks[k]);
      // The chunk just taken is the writer's: none at or after it was given back.
      assert.deepEqual(released, chunks.slice(0, k));
    }
    assert.ok((await it.next()).done);
    assert.deepEqual(released, chunks);
  });

  it('gathered gathers into lent buffers, each within a slab', async () => {
    const pool = new BufferPool();
    const small = Array.from({ length: 40 }, (_, i) => Buffer.alloc(30_000, i));
    const out: Buffer[] = [];
    for await (const c of gathered((async function* () { yield* small; })(), pool)) out.push(c as Buffer);
    assert.deepEqual(Buffer.concat(out), Buffer.concat(small));
    // 34 pieces fill a slab (the 35th would pass it), the 6 left are a short chunk of its own, not lent.
    assert.deepEqual(out.map((c) => c.length), [34 * 30_000, 6 * 30_000]);
    assert.ok(pool.owns(out[0]!));
    assert.ok(!pool.owns(out[1]!));
  });

  it('streams a base file through reused slabs into a file exactly', async () => {
    const layer = { present: true, compression: 'none', region: async () => ({ file, offset: 0, size: bytes.length }) } as unknown as Layer;
    const base = await LayerFile.open(layer, 'base');
    const pool = new BufferPool();
    const outPath = join(dir, 'out');
    const fh = await open(outPath, 'w');
    const lent = new Set<ArrayBufferLike>();
    try {
      // Two regions, one after the other, the second read into the slabs the first gave back; each chunk written
      // before the next is asked for (as FdSink does), then given back.
      let at = 0;
      const regions = [[0, 3 * POOL_SLAB + 777], [3 * POOL_SLAB + 777, bytes.length - (3 * POOL_SLAB + 777)]] as const;
      for (const [off, len] of regions) {
        const src = (async function* () { yield* base.cursor().stream(off, len, POOL_SLAB, pool); })();
        for await (const c of runAhead(src, 2 * POOL_SLAB, (b) => pool.give(b))) {
          lent.add(c.buffer);
          await fh.write(c, 0, c.length, at);
          at += c.length;
        }
      }
    } finally {
      await fh.close();
      await base.close();
    }
    assert.equal(createHash('sha256').update(await readFile(outPath)).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
    // 8 chunks came through no more slabs than can be in flight at once, however the threads are scheduled: the
    // queue's 2 slabs and the one that passes its bound, one in run-ahead's hands on its way in, one read ahead by
    // the cursor, one the writer holds (Node 20 used 5 here, Node 24 6).
    assert.ok(lent.size <= 6, `${lent.size} slabs for 8 chunks`);
  });
});
