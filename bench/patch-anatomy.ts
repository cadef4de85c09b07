/**
 * Where a patch delta's bytes go (issue 22): per patched layer, the bytes of each kind of frame (operation lists,
 * structure, small literals, grouped deltas, segments of delta-coded and literal files, gzip contents), for a
 * version 3 patch what each column of the operation lists costs compressed on its own, and the files whose frames
 * cost most (named by the old entry they are coded against). Reads the frames without decoding them, except the
 * operation lists. Usage: node dist/bench/patch-anatomy.js DELTA BASE [TOP=10]
 */
import { openSource } from '../src/transports/open.js';
import { readPatchDelta } from '../src/patch/read-delta.js';
import { indexLayer, type BaseEntry } from '../src/patch/base-index.js';
import { LayerFile } from '../src/patch/layer-file.js';
import { DATA, SEGMENT } from '../src/patch/format.js';
import { OPS_V3_COLUMNS, OpCoder } from '../src/patch/op-list.js';
import { VarintReader } from '../src/patch/varint.js';
import { compress, decompress } from '../src/patch/zstd.js';
import type { Layer } from '../src/image/layer.js';

const [deltaPath, basePath, topArg] = process.argv.slice(2);
if (!deltaPath || !basePath) { console.error('usage: patch-anatomy.js DELTA BASE [TOP]'); process.exit(2); }
const TOP = Number(topArg ?? 10);
const delta = await readPatchDelta(deltaPath);
const src = await openSource(basePath);
const byDiff = new Map<string, Layer>();
for (const img of src.images) for (const l of src.layers(img)) byDiff.set(l.diffId, l);
const COLUMNS = ['hdr', 'structLen', 'flags', 'mtime', 'kind', 'ref', 'dataLen', 'gzip'];
const KINDS: Record<number, string> = { [DATA.DELTA]: 'delta segments', [DATA.BIG]: 'literal segments', [DATA.GZ_DELTA]: 'gzip contents' };

for (const l of delta.index.layers) {
  if (l.how !== 'patch') continue;
  const entries: BaseEntry[] = [];
  const files: LayerFile[] = [];
  for (const [i, d] of l.patch!.bases.entries()) {
    const f = await LayerFile.open(byDiff.get(d)!, d);
    files.push(f);
    entries.push(...(await indexLayer(f, i, true)));
  }
  const s = await delta.source(l.patch!.digest);
  const blob = await s.read(l.patch!.size);
  await s.close();
  let off = 8;
  const uint = () => {
    let n = 0;
    for (let mul = 1; ; mul *= 128) {
      const c = blob[off++]!;
      n += (c & 0x7f) * mul;
      if (c < 0x80) return n;
    }
  };
  const frame = () => {
    const start = off;
    const raw = uint();
    const len = uint();
    off += len;
    return { raw, z: blob.subarray(off - len, off), cost: off - start };
  };
  const version = Number(blob.toString('latin1', 7, 8)) as 1 | 2 | 3;
  const coder = new OpCoder(version, { count: entries.length, get: (id) => entries[id] }, (why) => new Error(why));
  const cost: Record<string, number> = { magic: 8, 'operation lists': 0, structure: 0, 'small literals': 0, 'grouped deltas': 0, 'delta segments': 0, 'literal segments': 0, 'gzip contents': 0 };
  const raw: Record<string, number> = Object.fromEntries(Object.keys(cost).map((k) => [k, 0]));
  const groups: number[] = [];
  const cols = new Array<number>(OPS_V3_COLUMNS).fill(0);
  const colBytes: Buffer[][] = Array.from({ length: OPS_V3_COLUMNS }, () => []);
  const byFile: { name: string; kind: string; bytes: number; cost: number }[] = [];
  let blocks = 0;
  let entriesSeen = 0;
  for (;;) {
    const o = frame();
    cost['operation lists']! += o.cost;
    raw['operation lists']! += o.raw;
    const ops = decompress(o.z, o.raw, undefined, 'ops');
    if (version === 3) {
      // The column lengths follow the count, the flag and (last block) the trailer's length.
      const r = new VarintReader(ops, 'ops');
      r.uint();
      if (r.uint()) r.uint();
      const lens = Array.from({ length: OPS_V3_COLUMNS }, () => r.uint());
      let at = r.offset;
      lens.forEach((n, c) => colBytes[c]!.push(ops.subarray(at, (at += n))));
    }
    const block = coder.decode(ops, 'ops', 1 << 30);
    blocks++;
    entriesSeen += block.ops.length;
    for (const k of version >= 2 ? ['structure', 'small literals', 'grouped deltas'] : ['structure', 'small literals']) {
      const f = frame();
      cost[k]! += f.cost;
      raw[k]! += f.raw;
      if (k === 'grouped deltas' && f.raw) groups.push(f.raw);
    }
    for (const op of block.ops) {
      if (!KINDS[op.kind]) continue;
      const n = op.kind === DATA.GZ_DELTA ? 1 : Math.ceil(op.dataLen / SEGMENT);
      let c = 0;
      for (let k = 0; k < n; k++) {
        const f = frame();
        c += f.cost;
        raw[KINDS[op.kind]!]! += f.raw;
      }
      cost[KINDS[op.kind]!]! += c;
      byFile.push({ name: op.ref >= 0 ? entries[op.ref]!.name! : op.hdr >= 0 ? `(new, after ${entries[op.hdr]!.name})` : '(new)', kind: KINDS[op.kind]!, bytes: op.dataLen, cost: c });
    }
    if (block.last) break;
  }
  if (off !== blob.length) throw new Error(`the frames end at ${off} of ${blob.length}`);
  for (const [c, parts] of colBytes.entries()) {
    const b = Buffer.concat(parts);
    cols[c] = b.length ? compress(b, 19).length : 0;
  }
  console.log(`layer ${l.diffId.slice(7, 19)}: patch ${l.patch!.size} B, version ${version}, ${entriesSeen} entries in ${blocks} blocks`);
  for (const [k, v] of Object.entries(cost)) if (v) console.log(`  ${k.padEnd(18)} ${String(v).padStart(9)} B  ${((100 * v) / l.patch!.size).toFixed(1).padStart(5)}%  of ${raw[k]} B`);
  if (groups.length) console.log(`  grouped-delta frames (decoded sizes): ${groups.join(', ')}`);
  if (version === 3) console.log(`  operation list columns, each compressed alone: ${COLUMNS.map((n, c) => `${n} ${cols[c]}`).join(', ')}`);
  byFile.sort((a, b) => b.cost - a.cost);
  for (const f of byFile.slice(0, TOP)) console.log(`  ${String(f.cost).padStart(9)} B  ${f.kind}, ${f.bytes} B: ${f.name}`);
  for (const f of files) await f.close();
}
await delta.close();
await src.close();
