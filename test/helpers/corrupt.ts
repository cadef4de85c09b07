/** Damaged inputs for the tests (edit, delta). */
import { closeSync, copyFileSync, openSync, readSync, writeSync } from 'node:fs';
import { TarTree } from '../../src/fs/tar-tree.js';

/** A copy of a docker archive with one byte of its first layer flipped: the layer no longer hashes to its DiffID. */
export async function corruptFirstLayer(src: string, to: string): Promise<string> {
  copyFileSync(src, to);
  const tree = await TarTree.open(to);
  const manifest = JSON.parse((await tree.readSmall('manifest.json', 1 << 20)).toString());
  const region = (await tree.region(manifest[0].Layers[0]))!;
  await tree.close();
  const fd = openSync(to, 'r+');
  const b = Buffer.alloc(1);
  const at = region.offset + Math.floor(region.size / 2);
  readSync(fd, b, 0, 1, at);
  b[0]! ^= 0xff;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  return to;
}
