/**
 * What the changed gzip files of a layer pair's top layers cost in a patch (issue 22, item 2): for every file of the
 * target's top layer that is gzip, whose path the base's top layer holds with other content, gzip too: its size (what
 * the patch ships today: a literal, zstd finds nothing in compressed bytes), whether a recipe reproduces it (GNU gzip
 * 1.12 / zlib 1.2.13, src/patch/gz-inside.ts), and the cost of its content coded against the old content (zstd -15,
 * one frame, the old content as reference). Usage: node dist/bench/patch-gz.js OLD.tar NEW.tar
 */
import { openSource, pickOne } from '../src/transports/open.js';
import { LayerFile } from '../src/patch/layer-file.js';
import { indexLayer, type BaseEntry } from '../src/patch/base-index.js';
import { compress } from '../src/patch/zstd.js';
import { findGzRecipe, gunzipBounded } from '../src/patch/gz-inside.js';

const [oldPath, newPath] = process.argv.slice(2);
if (!oldPath || !newPath) { console.error('usage: patch-gz.js OLD.tar NEW.tar'); process.exit(2); }
const open = async (p: string) => {
  const src = await openSource(p);
  const layers = src.layers(pickOne(src));
  return LayerFile.open(layers[layers.length - 1]!, p);
};
const o = await open(oldPath);
const n = await open(newPath);
const byName = new Map<string, BaseEntry>((await indexLayer(o, 0, true)).map((e) => [e.name!, e]));
let files = 0, bytes = 0, reproduced = 0, reproducedBytes = 0, deltaCost = 0, literalCost = 0;
const recipes = new Map<number, number>();
const t0 = process.hrtime.bigint();
for (const e of await indexLayer(n, 0, true)) {
  const old = byName.get(e.name!);
  if (!old || !old.dataLen || !e.dataLen || old.hash === e.hash) continue;
  const data = await n.read(e.dataOffset, e.dataLen);
  if (data[0] !== 0x1f || data[1] !== 0x8b) continue;
  const ref = await o.read(old.dataOffset, old.dataLen);
  if (ref[0] !== 0x1f || ref[1] !== 0x8b) continue;
  files++;
  bytes += e.dataLen;
  literalCost += compress(data, 15).length + 4;
  const content = gunzipBounded(data);
  const oldContent = gunzipBounded(ref);
  const code = content && oldContent ? findGzRecipe(data, content) : 0;
  recipes.set(code, (recipes.get(code) ?? 0) + 1);
  if (!code) continue;
  reproduced++;
  reproducedBytes += e.dataLen;
  deltaCost += compress(content!, 15, oldContent!).length + 6;
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ files, bytes, literalCost, reproduced, reproducedBytes, deltaCost, recipes: Object.fromEntries(recipes), ms: Math.round(ms) }));
