/**
 * Where a writer puts the files of an image format: a tar stream (an archive, possibly standard output) or a
 * directory (an OCI layout). Writers name files; sinks decide how they are stored.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { TarWriter } from '../tar/writer.js';

export interface Sink {
  file(name: string, data: Buffer): Promise<void>;
  stream(name: string, size: number, body: AsyncIterable<Buffer>): Promise<void>;
  dir(name: string): Promise<void>;
  symlink(name: string, target: string): Promise<void>;
  /** Whether a file of this name was already written (blobs shared by several images are written once). */
  has(name: string): boolean;
  finish(): Promise<void>;
}

/** Files in a tar stream, with fixed metadata (root-owned, mtime 0) so the same input gives the same bytes. */
export class TarSink implements Sink {
  private readonly tw: TarWriter;
  private readonly names = new Set<string>();
  constructor(out: Writable) {
    this.tw = new TarWriter(out);
  }
  get bytes(): number {
    return this.tw.bytes;
  }
  has(name: string): boolean {
    return this.names.has(name);
  }
  async file(name: string, data: Buffer): Promise<void> {
    this.names.add(name);
    await this.tw.addFile(name, data);
  }
  async stream(name: string, size: number, body: AsyncIterable<Buffer>): Promise<void> {
    this.names.add(name);
    await this.tw.add({ name, type: 'file', size, mode: 0o644 }, body);
  }
  async dir(name: string): Promise<void> {
    if (this.names.has(name + '/')) return;
    this.names.add(name + '/');
    await this.tw.addDir(name);
  }
  async symlink(name: string, target: string): Promise<void> {
    this.names.add(name);
    await this.tw.addSymlink(name, target);
  }
  async finish(): Promise<void> {
    await this.tw.finish();
  }
}

/** Files in a directory (created by the caller, typically a temporary one renamed into place afterwards). */
export class DirSink implements Sink {
  private readonly names = new Set<string>();
  bytes = 0;
  constructor(private readonly root: string) {}
  has(name: string): boolean {
    return this.names.has(name);
  }
  private async parent(name: string): Promise<string> {
    const p = join(this.root, name);
    await mkdir(dirname(p), { recursive: true });
    return p;
  }
  async file(name: string, data: Buffer): Promise<void> {
    this.names.add(name);
    await writeFile(await this.parent(name), data);
    this.bytes += data.length;
  }
  async stream(name: string, size: number, body: AsyncIterable<Buffer>): Promise<void> {
    this.names.add(name);
    const w = createWriteStream(await this.parent(name), { highWaterMark: 1 << 20 });
    try {
      for await (const c of body) {
        this.bytes += c.length;
        if (!w.write(c)) {
          // One error listener per wait, removed once drained: a long stream of small chunks (a download) must not
          // pile them up.
          await new Promise<void>((r, j) => {
            w.once('error', j);
            w.once('drain', () => { w.off('error', j); r(); });
          });
        }
      }
      w.end();
      await finished(w);
    } catch (e) {
      // A write still in flight reports ERR_STREAM_DESTROYED after this: nobody wants it any more.
      w.on('error', () => undefined);
      w.destroy();
      throw e;
    }
    void size;
  }
  async dir(name: string): Promise<void> {
    await mkdir(join(this.root, name), { recursive: true });
  }
  async symlink(name: string, target: string): Promise<void> {
    this.names.add(name);
    await symlink(target, await this.parent(name));
  }
  async finish(): Promise<void> {}
}
