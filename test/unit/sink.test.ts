import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { FdSink, TarSink, type Sink } from '../../src/fs/sink.js';
import { scratch } from '../helpers/paths.js';

const dir = scratch();

async function fill(sink: Sink, src: string, size: number, useRegion: boolean): Promise<string | undefined> {
  await sink.file('manifest.json', Buffer.from('[]'));
  await sink.dir('d');
  await sink.symlink('d/link', '../x');
  let digest: string | undefined;
  if (useRegion && sink.copyRegion) digest = (await sink.copyRegion('d/layer.tar', size, { file: src, offset: 1000, size })).digest;
  else await sink.stream('d/layer.tar', size, createReadStream(src, { start: 1000, end: 1000 + size - 1 }) as AsyncIterable<Buffer>);
  await sink.file('after', Buffer.from('x'));
  await sink.finish();
  return digest;
}

describe('sinks', () => {
  it('FdSink (copy threads) writes the same bytes as TarSink (a stream), and the copy\'s digest', async () => {
    const src = join(dir, 'src.bin');
    const data = randomBytes(9 * (1 << 20) + 12345);
    writeFileSync(src, data);
    const size = data.length - 1000 - 77;
    const a = join(dir, 'a.tar');
    const w = createWriteStream(a);
    await fill(new TarSink(w), src, size, false);
    w.end();
    await finished(w);
    const b = join(dir, 'b.tar');
    const fd = openSync(b, 'w');
    const digest = await fill(new FdSink(fd), src, size, true);
    closeSync(fd);
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    assert.equal(digest, `sha256:${createHash('sha256').update(data.subarray(1000, 1000 + size)).digest('hex')}`);
  });

  it('a region that runs past the end of its file is refused as truncated', async () => {
    const src = join(dir, 'short.bin');
    writeFileSync(src, randomBytes(5000));
    const fd = openSync(join(dir, 'c.tar'), 'w');
    const sink = new FdSink(fd);
    await assert.rejects(sink.copyRegion('x', 9000, { file: src, offset: 0, size: 9000 }), /truncated/);
    await sink.dispose();
    closeSync(fd);
  });
});
