/** Builds small tar archives in tests with stowage's own TarWriter (whose output GNU tar reads, see tar tests). */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { TarWriter } from '../../src/tar/writer.js';

export type Entry =
  | { name: string; data: Buffer | string; mode?: number }
  | { name: string; symlink: string }
  | { name: string; hardlink: string }
  | { name: string; dir: true };

export async function writeTar(path: string, entries: Entry[], opts: { noEnd?: boolean } = {}): Promise<void> {
  const out = createWriteStream(path);
  const w = new TarWriter(out);
  for (const e of entries) {
    if ('data' in e) await w.addFile(e.name, Buffer.from(e.data), 0, e.mode ?? 0o644);
    else if ('symlink' in e) await w.addSymlink(e.name, e.symlink);
    else if ('hardlink' in e) await w.add({ name: e.name, type: 'hardlink', linkname: e.hardlink });
    else await w.addDir(e.name);
  }
  if (!opts.noEnd) await w.finish();
  out.end();
  await finished(out);
}

/** A layer tar in memory holding the given files. */
export async function layerTar(files: Record<string, string>): Promise<Buffer> {
  const { PassThrough } = await import('node:stream');
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(pt);
  for (const [name, data] of Object.entries(files)) await w.addFile(name, Buffer.from(data));
  await w.finish();
  pt.end();
  return Buffer.concat(chunks);
}
