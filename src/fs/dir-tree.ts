/**
 * A FileTree over a directory: an OCI image layout, or an unpacked `docker save`. Symlinks are followed only while
 * they stay inside the directory.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { StowageError } from '../errors.js';
import { normalizeEntryName } from './paths.js';
import { readHead } from './read-head.js';
import type { FileRegion, FileTree, TreeFile } from './tree.js';

export class DirTree implements FileTree {
  readonly seekable = true;
  readonly label: string;

  private constructor(
    readonly root: string,
    private readonly realRoot: string,
  ) {
    this.label = `directory ${root}`;
  }

  static async open(root: string): Promise<DirTree> {
    return new DirTree(root, await realpath(root));
  }

  /** The real path of `path`, or undefined when it does not exist. Refuses paths that resolve outside the root. */
  private async real(path: string): Promise<{ real: string; linked: boolean } | undefined> {
    const n = normalizeEntryName(path);
    if (n.split('/').includes('..')) throw new StowageError(`${this.label}: path ${JSON.stringify(path)} climbs out with ".."`);
    const lexical = join(this.realRoot, n);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new StowageError(`${this.label}: link cycle at ${JSON.stringify(path)}`);
      throw e;
    }
    const rel = relative(this.realRoot, real);
    if (rel === '..' || rel.startsWith('..' + sep) || rel.startsWith(sep)) {
      throw new StowageError(`${this.label}: ${JSON.stringify(path)} is a link that points outside the directory`);
    }
    return { real, linked: real !== lexical };
  }

  async stat(path: string): Promise<TreeFile | undefined> {
    const r = await this.real(path);
    if (!r) return undefined;
    const st = await stat(r.real);
    if (!st.isFile()) throw new StowageError(`${this.label}: ${path} is not a regular file`);
    return { path: normalizeEntryName(path), resolved: relative(this.realRoot, r.real).split(sep).join('/'), size: st.size, linked: r.linked };
  }

  private async must(path: string): Promise<{ real: string; size: number }> {
    const r = await this.real(path);
    if (!r) throw new StowageError(`${this.label}: ${path} is missing`);
    const st = await stat(r.real);
    if (!st.isFile()) throw new StowageError(`${this.label}: ${path} is not a regular file`);
    return { real: r.real, size: st.size };
  }

  async readSmall(path: string, limit: number): Promise<Buffer> {
    const { real, size } = await this.must(path);
    if (size > limit) throw new StowageError(`${this.label}: ${path} is ${size} bytes, over the ${limit}-byte limit`);
    return readHead(real, size);
  }

  async head(path: string, n: number): Promise<Buffer> {
    return readHead((await this.must(path)).real, n);
  }

  open(path: string): AsyncIterable<Buffer> {
    const self = this;
    return (async function* () {
      const { real } = await self.must(path);
      yield* createReadStream(real, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
    })();
  }

  async region(path: string): Promise<FileRegion | undefined> {
    const { real, size } = await this.must(path);
    return { file: real, offset: 0, size };
  }

  precomputed(): undefined {
    return undefined;
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string) => {
      for (const d of await readdir(dir, { withFileTypes: true })) {
        const p = prefix ? `${prefix}/${d.name}` : d.name;
        if (d.isDirectory()) await walk(join(dir, d.name), p);
        else if (d.isFile() || d.isSymbolicLink()) out.push(p);
      }
    };
    await walk(this.realRoot, '');
    return out;
  }

  async close(): Promise<void> {}
}
