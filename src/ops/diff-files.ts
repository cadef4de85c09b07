/**
 * The file-level difference between two images' merged filesystems: each image is merged (the same one-pass merge
 * `export` uses) into a stream that is read back entry by entry, hashing file contents as they pass. Memory grows
 * with the number of paths of the first image, never with file sizes.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ImageSource, SourceImage } from '../image/model.js';
import { normalizeEntryName } from '../fs/paths.js';
import { StreamByteSource } from '../tar/bytesource.js';
import { readTar } from '../tar/reader.js';
import { exportImage } from './export.js';

export interface FileFacts {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** sha256 of the content, for regular files (and hard links, the content they name). */
  sha256: string | null;
  linkname: string | null;
}

export interface FileChange {
  path: string;
  /** What differs: type, content, size, mode, owner, link target, mtime. */
  what: string[];
  a: FileFacts;
  b: FileFacts;
}

export interface FilesDiff {
  added: { path: string; facts: FileFacts }[];
  removed: { path: string; facts: FileFacts }[];
  changed: FileChange[];
  totals: { added: number; removed: number; changed: number; unchanged: number; addedBytes: number; removedBytes: number };
}

/** Yields every entry of an image's merged filesystem with its facts. */
async function* mergedEntries(src: ImageSource, img: SourceImage): AsyncGenerator<[string, FileFacts]> {
  const pt = new PassThrough({ highWaterMark: 4 << 20 });
  const writing = exportImage(src, img, pt).then(() => pt.end(), (e: Error) => pt.destroy(e));
  const byName = new Map<string, string>(); // file path -> content hash, for hard links to resolve
  for await (const e of readTar(new StreamByteSource(pt as AsyncIterable<Buffer>), { what: `merged filesystem of ${src.spec}` })) {
    const h = e.header;
    const path = '/' + normalizeEntryName(h.name);
    let sha: string | null = null;
    if (h.type === 'file') {
      const hash = createHash('sha256');
      for await (const c of e.body()) hash.update(c);
      sha = hash.digest('hex');
      byName.set(path, sha);
    } else if (h.type === 'hardlink') {
      sha = byName.get('/' + normalizeEntryName(h.linkname)) ?? null;
    }
    const type = h.type === 'hardlink' ? 'file' : h.type;
    yield [path, {
      type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: h.mtime,
      size: h.type === 'file' ? h.size : 0, sha256: sha,
      linkname: h.type === 'symlink' ? h.linkname : null,
    }];
  }
  await writing;
}

function changes(a: FileFacts, b: FileFacts): string[] {
  const what: string[] = [];
  if (a.type !== b.type) what.push('type');
  if (a.sha256 !== b.sha256 && a.type === 'file' && b.type === 'file') what.push('content');
  if (a.size !== b.size) what.push('size');
  if (a.mode !== b.mode) what.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) what.push('owner');
  if (a.linkname !== b.linkname) what.push('link target');
  // A touched entry (a directory whose listing changed, a file rewritten with the same bytes) counts as changed,
  // as docker diff counts it.
  if (Math.floor(a.mtime) !== Math.floor(b.mtime)) what.push('mtime');
  return what;
}

export async function diffFiles(a: { src: ImageSource; img: SourceImage }, b: { src: ImageSource; img: SourceImage }): Promise<FilesDiff> {
  const left = new Map<string, FileFacts>();
  for await (const [p, f] of mergedEntries(a.src, a.img)) left.set(p, f);
  const out: FilesDiff = { added: [], removed: [], changed: [], totals: { added: 0, removed: 0, changed: 0, unchanged: 0, addedBytes: 0, removedBytes: 0 } };
  for await (const [p, f] of mergedEntries(b.src, b.img)) {
    const before = left.get(p);
    if (!before) {
      out.added.push({ path: p, facts: f });
      out.totals.addedBytes += f.size;
      continue;
    }
    left.delete(p);
    const what = changes(before, f);
    if (what.length) out.changed.push({ path: p, what, a: before, b: f });
    else out.totals.unchanged++;
  }
  for (const [p, f] of left) {
    out.removed.push({ path: p, facts: f });
    out.totals.removedBytes += f.size;
  }
  const byPath = (x: { path: string }, y: { path: string }) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
  out.added.sort(byPath);
  out.removed.sort(byPath);
  out.changed.sort(byPath);
  out.totals.added = out.added.length;
  out.totals.removed = out.removed.length;
  out.totals.changed = out.changed.length;
  return out;
}
