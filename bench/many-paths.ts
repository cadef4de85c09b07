/**
 * Writes a one-layer docker archive holding N empty files (1000 per directory), to measure how export's memory grows
 * with the number of paths. Usage: node dist/bench/many-paths.js OUT.tar N
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { sha256 } from '../src/oci/digest.js';
import { TarWriter } from '../src/tar/writer.js';

const [out, nArg] = process.argv.slice(2);
if (!out || !nArg) {
  console.error('usage: many-paths.js OUT.tar N');
  process.exit(2);
}
const n = Number(nArg);
const tmp = mkdtempSync(join(tmpdir(), 'stowage-many-'));
const layerFile = join(tmp, 'layer.tar');
const ls = createWriteStream(layerFile);
const lw = new TarWriter(ls);
for (let d = 0; d * 1000 < n; d++) {
  await lw.addDir(`usr/share/dir-${d}`);
  for (let i = 0; i < 1000 && d * 1000 + i < n; i++) await lw.addFile(`usr/share/dir-${d}/some-file-name-${i}.txt`, Buffer.alloc(0));
}
await lw.finish();
ls.end();
await finished(ls);
const layer = readFileSync(layerFile);
const diffId = sha256(layer);
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
const cfgName = `${sha256(config).slice(7)}.json`;
const os = createWriteStream(out);
const w = new TarWriter(os);
await w.addFile('layer.tar', layer);
await w.addFile(cfgName, config);
await w.addFile('manifest.json', Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['bench/many:1'], Layers: ['layer.tar'] }])));
await w.finish();
os.end();
await finished(os);
rmSync(tmp, { recursive: true, force: true });
