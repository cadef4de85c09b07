/**
 * The recipe encoder on a thread of its own (apply recompresses layers so, one thread each): its output must be Go's
 * own compress/gzip output, byte for byte (Go 1.19, the real reference), whatever the chunking of the input, and a
 * failing input must end it with the input's own error.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeThreaded } from '../../src/compress/recipes/encode-threaded.js';
import { StowageError } from '../../src/errors.js';
import { GO_SKIP, buildGzipper, goGzipped } from './go-reference.js';
import { mixed, noise, text } from './inputs.js';
import { all, chunks } from '../helpers/streams.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('recipe encoding on a worker thread', { skip: GO_SKIP }, () => {
  it('makes Go\'s bytes at levels 1, 6 and 9, fed in 32 KiB or 1 MiB chunks, several at once', async () => {
    const bin = buildGzipper();
    // Bigger than the in-flight and queue bounds (8 MiB), so the backpressure is exercised.
    const input = Buffer.concat([mixed(), text(8 << 20), noise(1 << 20)]);
    const jobs = [[1, 32 << 10], [6, 1 << 20], [9, 32 << 10]] as const;
    const outs = await Promise.all(jobs.map(([level, size]) => all(encodeThreaded({ encoder: 'go-flate', version: '1.8-1.26', level }, chunks(input, size), `level ${level}`))));
    for (const [i, [level]] of jobs.entries()) assert.equal(sha(outs[i]!), sha(goGzipped(bin, input, level)), `level ${level}`);
  });

  it('ends with the input\'s own error, and stops its thread', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield text(1 << 20);
      throw new StowageError('layer x: DiffID is sha256:aa, but the config says sha256:bb');
    }
    await assert.rejects(all(encodeThreaded({ encoder: 'go-flate', version: '1.8-1.26', level: 6 }, failing(), 'x')), /DiffID is sha256:aa/);
  });
});
