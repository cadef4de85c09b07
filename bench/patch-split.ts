/**
 * Where apply's time goes, per patched layer of a patch delta: the base index (walking the base tars), the decode
 * alone (output dropped), decode + sha256 (the DiffID proof), and decode + sha256 + write to a file, each timed on its
 * own run. Usage: node dist/bench/patch-split.js DELTA BASE.tar OUTFILE
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { openSource } from '../src/transports/open.js';
import { readPatchDelta } from '../src/patch/read-delta.js';
import { decodeLayer } from '../src/patch/decode-layer.js';
import { BaseTable } from '../src/patch/base-index.js';
import { LayerFile } from '../src/patch/layer-file.js';
import { FileByteSource } from '../src/tar/bytesource.js';
import type { Layer } from '../src/image/layer.js';

const [deltaPath, basePath, outPath] = process.argv.slice(2);
if (!deltaPath || !basePath || !outPath) { console.error('usage: patch-split.js DELTA BASE.tar OUTFILE'); process.exit(2); }
const delta = await readPatchDelta(deltaPath);
const src = await openSource(basePath);
const byDiff = new Map<string, Layer>();
for (const img of src.images) for (const l of src.layers(img)) byDiff.set(l.diffId, l);
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;
for (const l of delta.index.layers) {
  if (l.how !== 'patch') continue;
  const files: LayerFile[] = [];
  for (const d of l.patch!.bases) files.push(await LayerFile.open(byDiff.get(d)!, d));
  let t = performance.now();
  await BaseTable.of(files);
  const index = ms(t);
  const run = async (sink: (b: Buffer) => unknown) => {
    const s = await delta.source(l.patch!.digest);
    const t0 = performance.now();
    for await (const b of decodeLayer(s, files, l.size, 'layer')) await sink(b);
    await s.close();
    return ms(t0);
  };
  const decode = await run(() => undefined);
  const h = createHash('sha256');
  const hashed = await run((b) => h.update(b));
  const fh = await open(outPath, 'w');
  const h2 = createHash('sha256');
  let at = 0;
  const written = await run(async (b) => { h2.update(b); await fh.write(b, 0, b.length, at); at += b.length; });
  await fh.close();
  t = performance.now();
  const h3 = createHash('sha256');
  for (let off = 0; off < l.size; off += 1 << 20) h3.update(await files[0]!.readDirect(0, Math.min(1 << 20, files[0]!.size)));
  console.log(`${l.diffId.slice(7, 19)} ${(l.size / 1e6).toFixed(0)} MB: base index ${index}, decode ${decode}, decode+sha256 ${hashed}, decode+sha256+write ${written}; sha256 of 1 MiB reads alone ${ms(t)}`);
  for (const f of files) await f.close();
}
await src.close();
