/**
 * The decoder's base index walks the base layer's headers through a window of reused memory (layer-file.ts
 * HeaderSource); the encoder numbers the same entries through the read-ahead source. Both must give every entry the
 * same number and offsets, or a valid patch rebuilds wrong bytes: here on tars GNU tar writes in its pax and GNU
 * formats (long names, long link targets, hard links, files larger than the window, runs of small files).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BaseTable, indexLayer } from '../../src/patch/base-index.js';
import { LayerFile } from '../../src/patch/layer-file.js';
import type { Layer } from '../../src/image/layer.js';

describe('apply: the base index read from headers alone', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-headers-'));
    const root = join(dir, 'root');
    const deep = join(root, 'a'.repeat(90), 'b'.repeat(90));
    await mkdir(deep, { recursive: true });
    for (let i = 0; i < 300; i++) await writeFile(join(root, `small-${i}`), randomBytes(i * 37));
    await writeFile(join(deep, `${'c'.repeat(120)}.bin`), randomBytes(300_000));
    await writeFile(join(root, 'big'), randomBytes(3 << 20));
    await writeFile(join(root, 'window'), randomBytes(256 << 10));
    await link(join(root, 'big'), join(root, 'big-link'));
    await symlink('x'.repeat(150), join(root, 'long-target'));
    for (let i = 0; i < 50; i++) await writeFile(join(deep, `tail-${i}`), randomBytes(600 + i));
    for (const format of ['pax', 'gnu']) execFileSync('tar', [`--format=${format}`, '-cf', join(dir, `${format}.tar`), '-C', root, '.']);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const format of ['pax', 'gnu']) {
    it(`numbers every entry of a ${format} tar as the encoder does, at the same offsets`, async () => {
      const file = join(dir, `${format}.tar`);
      const size = (await stat(file)).size;
      const layer = { present: true, compression: 'none', region: async () => ({ file, offset: 0, size }) } as unknown as Layer;
      const lf = await LayerFile.open(layer, `${format}.tar`);
      try {
        const encoder = await indexLayer(lf, 0, false);
        const decoder = await BaseTable.of([lf]);
        assert.ok(encoder.length > 350, `${encoder.length} entries`);
        assert.equal(decoder.count, encoder.length);
        for (const [i, e] of encoder.entries()) assert.deepEqual(decoder.get(i), { layer: 0, structStart: e.structStart, dataOffset: e.dataOffset, dataLen: e.dataLen }, `entry ${i}`);
      } finally {
        await lf.close();
      }
    });
  }
});
