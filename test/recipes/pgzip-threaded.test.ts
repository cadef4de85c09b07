/**
 * pgzip's blocks on several threads (src/compress/recipes/pgzip/threaded.ts, what apply's encodeThreaded uses for a
 * pgzip layer): the bytes must be the real pgzip's (pgzipper, pgzip-reference.ts) on a multi-block real tar, and
 * the one-thread encoder's (PgzipWriter) at every block edge, for any number of threads and any chunking; an input
 * that fails ends the stream with its own error; and a consumer that stops taking bytes stops the reading of input
 * within a few blocks (memory stays bounded whatever the layer's size).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pgzip, type KlauspostVersion } from '../../src/compress/recipes/index.js';
import { encodeThreaded } from '../../src/compress/recipes/encode-threaded.js';
import { pgzipThreaded } from '../../src/compress/recipes/pgzip/threaded.js';
import { StowageError } from '../../src/errors.js';
import { mixed, noise, text } from './inputs.js';
import { FORKY, PGZIPPER_SKIP, buildPgzipper, pgzipped } from './pgzip-reference.js';
import { all, chunks } from '../helpers/streams.js';

const MiB = 1 << 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

const oneThread = (input: Buffer, version: KlauspostVersion = '1.20.0') => all(pgzip(chunks(input, MiB), version));

function same(mine: Buffer, ref: Buffer, what: string): void {
  if (mine.equals(ref)) return;
  let i = 0;
  while (i < mine.length && i < ref.length && mine[i] === ref[i]) i++;
  assert.fail(`${what}: ${mine.length} bytes (sha256 ${sha(mine)}) against ${ref.length} (${sha(ref)}); first difference at byte ${i}`);
}

describe('pgzip blocks on several threads equal the real pgzip (forky\'s pgzip 1.2.6 over klauspost 1.20.0)', { skip: PGZIPPER_SKIP }, () => {
  let bin: string;
  before(() => { bin = buildPgzipper(); });

  it('a real tar of 5 MiB and more, as apply encodes it, is pgzip\'s bytes and the one-thread encoder\'s', async () => {
    const tar = execFileSync('tar', ['-C', join(FORKY, 'usr/lib/go-1.27/src'), '-cf', '-', 'net', 'encoding'], { maxBuffer: 1 << 30 });
    assert.ok(tar.length > 6 * MiB, 'Go\'s src/net and src/encoding are a tar of several blocks');
    // Whole, and cut on a block edge (an empty last block).
    for (const input of [tar, tar.subarray(0, 5 * MiB)]) {
      const real = pgzipped(bin, input);
      const threaded = await all(encodeThreaded({ encoder: 'pgzip', version: '1.20.0', level: 5 }, chunks(input, 64 << 10), 'layer'));
      same(threaded, real, `${input.length} bytes of tar, threaded, against pgzip`);
      same(await oneThread(input), real, `${input.length} bytes of tar, one thread, against pgzip`);
    }
  });
});

describe('pgzip blocks on several threads (no peer)', () => {
  it('make the one-thread encoder\'s bytes at every block edge, on 1 to 3 threads, for both klauspost versions', async () => {
    const t = Buffer.concat([text(2 * MiB), noise(MiB / 2, 'threads'), mixed()]);
    const sizes = [0, 200, MiB - 1, MiB, MiB + 1, 2 * MiB + 16385, t.length];
    for (const size of sizes) {
      const input = t.subarray(0, size);
      const ref = await oneThread(input);
      for (const [threads, chunk] of [[1, MiB], [2, 65536], [3, MiB + 3]] as const) {
        same(await all(pgzipThreaded(chunks(input, chunk), '1.20.0', 'layer', threads)), ref, `${size} bytes, ${threads} threads, chunks of ${chunk}`);
      }
    }
    same(await all(pgzipThreaded(chunks(t, 65536), '1.18.1', 'layer', 2)), await oneThread(t, '1.18.1'), 'klauspost 1.18.1');
  });

  it('end with the input\'s own error (the pool\'s idle workers let the process exit)', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield text(3 * MiB);
      throw new StowageError('layer x: DiffID is sha256:aa, but the config says sha256:bb');
    }
    await assert.rejects(all(pgzipThreaded(failing(), '1.20.0', 'x', 2)), /DiffID is sha256:aa/);
  });

  it('read no more than a few blocks ahead of a consumer that stops taking bytes', async () => {
    let read = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for (let k = 0; k < 64; k++) { read += 256 << 10; yield noise(256 << 10, `c${k}`); }
    }
    const out = pgzipThreaded(counted(), '1.20.0', 'layer', 2);
    await out.next(); // the header
    const first = await out.next(); // the first block's first bytes
    assert.ok(!first.done && first.value.length > 0);
    const atFirst = read;
    // Whatever the consumer does now, the generator is suspended: no more input is read until it asks.
    await new Promise((r) => setImmediate(r));
    assert.equal(read, atFirst);
    assert.ok(atFirst <= 6 * MiB, `read ${atFirst} bytes of 16 MiB before the first block left (bound: 2 threads x 2 blocks + 1)`);
    await out.return(undefined);
  });
});
