/**
 * A FileTree over a tar file, built from an index of the tar headers alone: the data of an entry is never read
 * to list it, and is read later by offset. Symlinks and hard links inside the archive are followed, safely.
 */
import { createReadStream } from 'node:fs';
import { StowageError } from '../errors.js';
import { LINK_HOPS } from '../limits.js';
import { FileByteSource } from '../tar/bytesource.js';
import type { EntryType } from '../tar/header.js';
import { readTar } from '../tar/reader.js';
import { normalizeEntryName } from './paths.js';
import type { FileRegion, FileTree, TreeFile } from './tree.js';

export interface IndexedEntry {
  name: string;
  type: EntryType;
  typeflag: string;
  linkname: string;
  size: number;
  headerOffset: number;
  dataOffset: number;
}

/** Reads every header of a tar file, seeking over the data. */
export async function indexTarFile(file: string, what: string): Promise<IndexedEntry[]> {
  const src = await FileByteSource.open(file, 0, undefined, 64 << 10);
  const out: IndexedEntry[] = [];
  try {
    for await (const e of readTar(src, { what })) {
      out.push({
        name: normalizeEntryName(e.header.name),
        type: e.header.type,
        typeflag: e.header.typeflag,
        linkname: e.header.linkname,
        size: e.header.type === 'file' ? e.header.size : 0,
        headerOffset: e.headerOffset,
        dataOffset: e.dataOffset,
      });
    }
  } finally {
    await src.close();
  }
  return out;
}

export class LinkResolver {
  constructor(
    private readonly lookup: (name: string) => IndexedEntry | undefined,
    private readonly label: string,
  ) {}

  /**
   * Resolves a normalised path to a regular-file entry, following symlinks in any path component (relative to the
   * link's directory, as the filesystem would) and hard links (relative to the archive root). Absolute link targets
   * and targets that climb out of the archive are refused: extracted, they would point at the host.
   */
  resolve(path: string): { entry: IndexedEntry; linked: boolean } | undefined {
    let hops = 0;
    let linked = false;
    let pending = path.split('/');
    for (;;) {
      const done: string[] = [];
      while (pending.length) {
        const seg = pending.shift()!;
        if (seg === '' || seg === '.') continue;
        if (seg === '..') {
          if (done.length === 0) throw new StowageError(`${this.label}: link for ${JSON.stringify(path)} points outside the archive`);
          done.pop();
          continue;
        }
        const cur = [...done, seg].join('/');
        const e = this.lookup(cur);
        if (e && e.type === 'symlink') {
          if (++hops > LINK_HOPS) throw new StowageError(`${this.label}: link cycle (more than ${LINK_HOPS} links) at ${JSON.stringify(path)}`);
          if (e.linkname.startsWith('/')) {
            throw new StowageError(`${this.label}: symlink ${JSON.stringify(cur)} -> ${JSON.stringify(e.linkname)} points outside the archive`);
          }
          linked = true;
          pending = [...e.linkname.split('/'), ...pending];
          continue;
        }
        done.push(seg);
      }
      const name = done.join('/');
      const e = this.lookup(name);
      if (!e) return undefined;
      if (e.type === 'hardlink') {
        if (++hops > LINK_HOPS) throw new StowageError(`${this.label}: link cycle (more than ${LINK_HOPS} links) at ${JSON.stringify(path)}`);
        const target = e.linkname;
        if (target.startsWith('/') || target.split('/').includes('..')) {
          throw new StowageError(`${this.label}: hard link ${JSON.stringify(name)} -> ${JSON.stringify(target)} points outside the archive`);
        }
        linked = true;
        pending = target.split('/');
        continue;
      }
      if (e.type !== 'file') throw new StowageError(`${this.label}: ${JSON.stringify(path)} is not a regular file (${e.type})`);
      return { entry: e, linked };
    }
  }
}

export class TarTree implements FileTree {
  readonly seekable = true;
  private readonly byName = new Map<string, IndexedEntry>();
  private readonly resolver: LinkResolver;

  private constructor(
    readonly file: string,
    readonly label: string,
    readonly entries: IndexedEntry[],
  ) {
    // Later entries replace earlier ones of the same name, as extraction would.
    for (const e of entries) this.byName.set(e.name, e);
    this.resolver = new LinkResolver((n) => this.byName.get(n), label);
  }

  static async open(file: string, label = `archive ${file}`): Promise<TarTree> {
    return new TarTree(file, label, await indexTarFile(file, label));
  }

  async stat(path: string): Promise<TreeFile | undefined> {
    const r = this.resolver.resolve(normalizeEntryName(path));
    if (!r) return undefined;
    return { path: normalizeEntryName(path), resolved: r.entry.name, size: r.entry.size, linked: r.linked };
  }

  private must(path: string): IndexedEntry {
    const r = this.resolver.resolve(normalizeEntryName(path));
    if (!r) throw new StowageError(`${this.label}: ${path} is missing`);
    return r.entry;
  }

  async readSmall(path: string, limit: number): Promise<Buffer> {
    const e = this.must(path);
    if (e.size > limit) throw new StowageError(`${this.label}: ${path} is ${e.size} bytes, over the ${limit}-byte limit`);
    const src = await FileByteSource.open(this.file, e.dataOffset, e.dataOffset + e.size);
    try {
      const b = await src.read(e.size);
      if (b.length < e.size) throw new StowageError(`${this.label}: truncated inside ${path}`);
      return b;
    } finally {
      await src.close();
    }
  }

  /** First bytes per file, read once: an archive may name one layer thousands of times. */
  private readonly heads = new Map<string, Promise<Buffer>>();

  async head(path: string, n: number): Promise<Buffer> {
    const e = this.must(path);
    const key = `${e.headerOffset}:${n}`;
    let p = this.heads.get(key);
    if (!p) {
      p = (async () => {
        const src = await FileByteSource.open(this.file, e.dataOffset, e.dataOffset + Math.min(n, e.size));
        try {
          return await src.read(n);
        } finally {
          await src.close();
        }
      })();
      this.heads.set(key, p);
      p.catch(() => this.heads.delete(key));
    }
    return p;
  }

  open(path: string): AsyncIterable<Buffer> {
    const e = this.must(path);
    if (e.size === 0) return (async function* () {})();
    return createReadStream(this.file, { start: e.dataOffset, end: e.dataOffset + e.size - 1, highWaterMark: 1 << 20 });
  }

  async region(path: string): Promise<FileRegion | undefined> {
    const e = this.must(path);
    return { file: this.file, offset: e.dataOffset, size: e.size };
  }

  precomputed(): undefined {
    return undefined;
  }

  async list(): Promise<string[]> {
    return [...this.byName.values()].filter((e) => e.type === 'file').map((e) => e.name);
  }

  async close(): Promise<void> {}
}
