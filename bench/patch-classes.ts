/**
 * What each coder gives the changed files of a layer pair, by file class (issue 22: which coder and parameters win
 * for big ELF files, small text, .pyc, dpkg's md5sums and status). For every file of the target's top layer whose
 * path the base's top layer holds with other content (compressed files left out: item 2 of the issue is theirs), the
 * cost of: today's coder (8 MiB segments against a window of the old file, the level by segment size), one zstd frame
 * at levels 3, 9, 15 and 19 against the whole old file (window sized to both), `xdelta3 -9` of the file against the
 * old one, and, for the files up to 64 KiB, one frame per directory against the concatenated old files (the framing
 * and entropy tables shared). Usage: node dist/bench/patch-classes.js OLD.tar NEW.tar [XDELTA=1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openSource, pickOne } from '../src/transports/open.js';
import { LayerFile } from '../src/patch/layer-file.js';
import { indexLayer, type BaseEntry } from '../src/patch/base-index.js';
import { SEGMENT, refWindow } from '../src/patch/format.js';
import { compress } from '../src/patch/zstd.js';

const [oldPath, newPath, xd] = process.argv.slice(2);
if (!oldPath || !newPath) { console.error('usage: patch-classes.js OLD.tar NEW.tar [1]'); process.exit(2); }
const open = async (p: string) => {
  const src = await openSource(p);
  const img = pickOne(src);
  const layers = src.layers(img);
  return { src, file: await LayerFile.open(layers[layers.length - 1]!, p) };
};
const o = await open(oldPath);
const n = await open(newPath);
const oldEntries = await indexLayer(o.file, 0, true);
const newEntries = await indexLayer(n.file, 0, true);
const byName = new Map<string, BaseEntry>(oldEntries.map((e) => [e.name!, e]));

function cls(name: string, head: Buffer, size: number): string {
  if (/\.pyc$/.test(name)) return '.pyc';
  if (/(^|\/)var\/lib\/dpkg\/(status|available)(-old)?$/.test(name) || /\.md5sums$/.test(name) || /\.list$/.test(name)) return 'dpkg md5sums/status/list';
  if (head.readUInt32BE(0) === 0x7f454c46) return size > 1 << 20 ? 'ELF > 1 MiB' : 'ELF <= 1 MiB';
  const text = !head.subarray(0, 512).includes(0);
  if (text) return size > 64 << 10 ? 'text > 64 KiB' : 'text <= 64 KiB';
  return 'other binary';
}
function compressedMagic(head: Buffer): boolean {
  const m = head.readUInt32BE(0);
  return (m >>> 16) === 0x1f8b || m === 0x28b52ffd || (m >>> 8) === 0x425a68 || m === 0xfd377a58 || m === 0x504b0304 || (m >>> 16) === 0x5d00;
}
function level(len: number): number {
  return len <= 64 << 10 ? 15 : len <= 1 << 20 ? 6 : 3;
}
const FRAMING = 4; // the two varints before a frame, about
const tmp = mkdtempSync(join(tmpdir(), 'patch-classes-'));
interface Row { files: number; bytes: number; today: number; l3: number; l9: number; l15: number; l19: number; xdelta: number; groupedToday: number; grouped19: number }
const rows = new Map<string, Row>();
const groups = new Map<string, { cls: string; news: Buffer[]; olds: Buffer[] }>();
let done = 0;
for (const e of newEntries) {
  if (e.dataLen < 64) continue;
  const old = byName.get(e.name!);
  if (!old || !old.dataLen || old.hash === e.hash) continue;
  const data = await n.file.read(e.dataOffset, e.dataLen);
  if (compressedMagic(data)) continue;
  const ref = await o.file.read(old.dataOffset, old.dataLen);
  const c = cls(e.name!, data, e.dataLen);
  const r = rows.get(c) ?? { files: 0, bytes: 0, today: 0, l3: 0, l9: 0, l15: 0, l19: 0, xdelta: 0, groupedToday: 0, grouped19: 0 };
  rows.set(c, r);
  r.files++;
  r.bytes += e.dataLen;
  for (let at = 0; at < e.dataLen; at += SEGMENT) {
    const len = Math.min(SEGMENT, e.dataLen - at);
    const w = refWindow(at, len, e.dataLen, old.dataLen);
    r.today += FRAMING + compress(data.subarray(at, at + len), level(len), ref.subarray(w.start, w.start + w.len)).length;
  }
  // One frame against the whole old file (the window covers both: zstd's windowLog is sized by compress()).
  const whole = (l: number) => FRAMING + compress(data, l, ref).length;
  r.l3 += whole(3);
  r.l9 += whole(9);
  r.l15 += whole(15);
  r.l19 += e.dataLen <= 64 << 20 ? whole(19) : whole(9);
  if (xd === '1') {
    const a = join(tmp, 'old'), b = join(tmp, 'new'), d = join(tmp, 'd');
    writeFileSync(a, ref);
    writeFileSync(b, data);
    execFileSync('xdelta3', ['-f', '-9', '-B', String(Math.max(1 << 20, ref.length)), '-e', '-s', a, b, d]);
    r.xdelta += statSync(d).size;
  }
  if (e.dataLen <= 64 << 10) {
    const key = dirname(e.name!);
    const g = groups.get(key) ?? { cls: c, news: [], olds: [] };
    groups.set(key, g);
    g.news.push(data);
    g.olds.push(ref);
    r.groupedToday += FRAMING + compress(data, 15, ref).length;
  }
  if (++done % 500 === 0) process.stderr.write(`${done} files\n`);
}
// Small files grouped per directory: one frame against their old files, concatenated in the same order.
for (const g of groups.values()) {
  const r = rows.get(g.cls)!;
  r.grouped19 += FRAMING + compress(Buffer.concat(g.news), 19, Buffer.concat(g.olds)).length;
}
rmSync(tmp, { recursive: true, force: true });
const kb = (x: number) => (x / 1e3).toFixed(1);
console.log('| class | files | MB | today | one frame -3 | -9 | -15 | -19 | xdelta3 -9 | small: one frame each (-15) | small: one frame per directory (-19) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
const tot: Row = { files: 0, bytes: 0, today: 0, l3: 0, l9: 0, l15: 0, l19: 0, xdelta: 0, groupedToday: 0, grouped19: 0 };
for (const [c, r] of [...rows.entries()].sort()) {
  console.log(`| ${c} | ${r.files} | ${(r.bytes / 1e6).toFixed(1)} | ${kb(r.today)} | ${kb(r.l3)} | ${kb(r.l9)} | ${kb(r.l15)} | ${kb(r.l19)} | ${xd === '1' ? kb(r.xdelta) : '-'} | ${kb(r.groupedToday)} | ${kb(r.grouped19)} |`);
  for (const k of Object.keys(tot) as (keyof Row)[]) tot[k] += r[k];
}
console.log(`| all | ${tot.files} | ${(tot.bytes / 1e6).toFixed(1)} | ${kb(tot.today)} | ${kb(tot.l3)} | ${kb(tot.l9)} | ${kb(tot.l15)} | ${kb(tot.l19)} | ${xd === '1' ? kb(tot.xdelta) : '-'} | ${kb(tot.groupedToday)} | ${kb(tot.grouped19)} |`);
await o.file.close();
await n.file.close();
await o.src.close();
await n.src.close();
