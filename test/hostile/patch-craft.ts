/**
 * Inputs for the patch-delta hostile tests (issue 24), made at test time: a layer of very many entries written
 * straight as header blocks inside its docker archive (a million in a few seconds), and small layers of text as raw
 * header blocks (the fuzz tests' seeds depend on these bytes). Deltas are edited with test/helpers/delta-edit.ts.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { END, entry, header, sha } from './craft.js';

/** Text that compresses like real files and differs per seed. */
export function text(seed: string, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${seed} line ${i} value=${(i * 7919) % 1000} ${createHash('md5').update(`${seed}${i % 50}`).digest('hex')}`);
  return out.join('\n') + '\n';
}

/** A layer tar of the given files, in order. */
export function layerOf(files: Record<string, Buffer | string>): Buffer {
  return Buffer.concat([...Object.entries(files).map(([name, d]) => entry({ name }, d)), END]);
}

/**
 * A docker archive of one layer of `n` entries: `files` (name -> data) first, then directories of 1,000 empty files
 * each. Empty files cost one 512-byte header each, so a million entries are a 512 MB layer; it is written in one pass
 * (the layer entry first, its DiffID hashed on the way, then the config and manifest.json naming it), in 8 MiB writes.
 */
export function manyEntryArchive(path: string, n: number, files: Record<string, Buffer | string>, tag: string): { diffId: string; imageId: string } {
  const fd = openSync(path, 'w');
  try {
    const parts: Buffer[] = [];
    let pending = 0;
    let layerHash: Hash | undefined;
    const put = (b: Buffer) => {
      layerHash?.update(b);
      parts.push(b);
      pending += b.length;
      if (pending >= 8 << 20) flush();
    };
    const flush = () => {
      writeSync(fd, Buffer.concat(parts));
      parts.length = 0;
      pending = 0;
    };
    const padded = (len: number) => Math.ceil(len / 512) * 512;
    const fileList = Object.entries(files).map(([name, d]) => [name, Buffer.from(d)] as const);
    const layerSize = fileList.reduce((a, [, d]) => a + 512 + padded(d.length), 0) + n * 512 + 1024;
    put(header({ name: 'layer.tar', size: layerSize }));
    layerHash = createHash('sha256');
    for (const [name, data] of fileList) {
      put(header({ name, size: data.length }));
      put(data);
      put(Buffer.alloc(padded(data.length) - data.length));
    }
    for (let i = 0; i < n; i++) {
      if (i % 1000 === 0) put(header({ name: `d${i / 1000}/`, typeflag: '5', mode: 0o755 }));
      else put(header({ name: `d${Math.floor(i / 1000)}/f${i}` }));
    }
    put(Buffer.alloc(1024));
    const diffId = `sha256:${layerHash.digest('hex')}`;
    layerHash = undefined;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
    const imageId = sha(config);
    for (const [name, data] of [['config.json', config], ['manifest.json', Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['layer.tar'] }]))]] as const) {
      put(header({ name, size: data.length }));
      put(data);
      put(Buffer.alloc(padded(data.length) - data.length));
    }
    put(Buffer.alloc(1024));
    flush();
    return { diffId, imageId };
  } finally {
    closeSync(fd);
  }
}
