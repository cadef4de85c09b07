/**
 * Builds the benchmark archive: a legacy `docker save` (Docker <= 24 layout, moby's v1 names) whose layers are
 * tars of real folders of this machine (/usr/share, /usr/bin, ...), until it holds at least the size asked.
 * Usage: node dist/bench/make-dataset.js OUT.tar [MIN_GB=2.2] [DIR...]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { sha256, type Digest } from '../src/oci/digest.js';
import { chainIds } from '../src/oci/identities.js';
import { v1LayerIds } from '../src/oci/v1id.js';
import { TarWriter } from '../src/tar/writer.js';

const [out, minGb = '2.2', ...dirsArg] = process.argv.slice(2);
if (!out) {
  console.error('usage: make-dataset.js OUT.tar [MIN_GB] [DIR...]');
  process.exit(2);
}
const dirs = dirsArg.length ? dirsArg : ['/usr/share', '/usr/bin', '/usr/local', '/usr/lib/x86_64-linux-gnu', '/usr/lib/gcc', '/opt'];
const want = Number(minGb) * 1e9;
const tmp = mkdtempSync(join(tmpdir(), 'stowage-bench-'));

async function layerOf(dir: string, file: string): Promise<{ diffId: Digest; size: number }> {
  // --ignore-failed-read: a few files under /usr may be unreadable; the bench only needs real bytes.
  const tar = spawn('tar', ['--numeric-owner', '--sort=name', '--ignore-failed-read', '-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const hash = (await import('node:crypto')).createHash('sha256');
  const w = createWriteStream(file);
  let size = 0;
  for await (const c of tar.stdout) {
    hash.update(c);
    size += c.length;
    if (!w.write(c)) await new Promise<void>((r) => w.once('drain', () => r()));
  }
  w.end();
  await finished(w);
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}

const layers: { file: string; diffId: Digest; size: number; dir: string }[] = [];
let total = 0;
for (const dir of dirs) {
  if (total >= want) break;
  try { statSync(dir); } catch { continue; }
  const file = join(tmp, `layer${layers.length}.tar`);
  const l = await layerOf(dir, file);
  let size = l.size;
  // Cap one layer at what is still needed (plus headroom), so several folders make several layers.
  if (size > want - total + 400e6) {
    const cap = Math.ceil((want - total + 200e6) / 512) * 512;
    execFileSync('sh', ['-c', `head -c ${cap} "${file}" > "${file}.cut" && dd if=/dev/zero bs=1024 count=1 >> "${file}.cut" 2>/dev/null && mv "${file}.cut" "${file}"`]);
    size = statSync(file).size;
  }
  const diffId = size === l.size ? l.diffId : sha256(execFileSync('cat', [file], { maxBuffer: 4 << 30 }));
  layers.push({ file, diffId, size, dir });
  total += size;
  console.error(`layer ${layers.length}: ${dir} ${(size / 1e6).toFixed(0)} MB`);
}

const config = {
  architecture: 'amd64',
  os: 'linux',
  created: '2026-01-01T00:00:00Z',
  config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] },
  rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  history: layers.map((l) => ({ created: '2026-01-01T00:00:00Z', created_by: `tar -C ${l.dir} -c .` })),
};
const cbytes = Buffer.from(JSON.stringify(config));
const cid = sha256(cbytes);
const v1 = v1LayerIds(chainIds(config.rootfs.diff_ids), config as unknown as Record<string, unknown>);
const o = createWriteStream(out);
const tw = new TarWriter(o);
const manifest = [{ Config: `${cid.slice(7)}.json`, RepoTags: ['bench/big:1'], Layers: v1.map((id) => `${id!.slice(7)}/layer.tar`) }];
await tw.addFile('manifest.json', Buffer.from(JSON.stringify(manifest)));
await tw.addFile(`${cid.slice(7)}.json`, cbytes);
for (const [i, l] of layers.entries()) {
  const d = v1[i]!.slice(7);
  await tw.addDir(d);
  await tw.addFile(`${d}/VERSION`, Buffer.from('1.0'));
  await tw.add({ name: `${d}/layer.tar`, size: l.size }, createReadStream(l.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
}
await tw.finish();
o.end();
await finished(o);
rmSync(tmp, { recursive: true, force: true });
console.error(`${out}: ${(statSync(out).size / 1e9).toFixed(2)} GB in ${layers.length} layers`);
