/**
 * Where a writer puts the files of an image format: a tar stream (an archive, possibly standard output) or a
 * directory (an OCI layout). Writers name files; sinks decide how they are stored.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { TarWriter } from '../tar/writer.js';
import { write as fsWrite } from 'node:fs';
import { promisify } from 'node:util';
import { RegionCopier } from '../hash/copier.js';
import type { Digest } from '../oci/digest.js';
import { BLOCK, encodeHeader, padding } from '../tar/header.js';
import { fsError, isWriteFailure } from './fs-errors.js';
import type { FileRegion } from './tree.js';
import { writeChunks } from './write-chunks.js';

export interface Sink {
  file(name: string, data: Buffer): Promise<void>;
  stream(name: string, size: number, body: AsyncIterable<Buffer>): Promise<void>;
  dir(name: string): Promise<void>;
  symlink(name: string, target: string): Promise<void>;
  /** Whether a file of this name was already written (blobs shared by several images are written once). */
  has(name: string): boolean;
  /** How many stream() calls may run at once (1 when absent: a tar takes one entry at a time). */
  readonly concurrent?: number;
  /**
   * True when stream() is done with each chunk of its body by the time it asks for the next (written, or copied
   * where it is gathered), so the body may reuse its memory (WritableLayer.open's `reuse`). A stream with a queue
   * of its own keeps chunks after it asked for more: absent there.
   */
  readonly releasesOnPull?: boolean;
  finish(): Promise<void>;
  /**
   * Copies a region of a file as the entry's data, hashing it on the way; only sinks that write a real file
   * offer it (they copy on worker threads). Resolves with the digest and size of the bytes copied.
   */
  copyRegion?(name: string, size: number, region: FileRegion, hash?: boolean): Promise<{ digest?: Digest; size: number }>;
}

/**
 * Files in a tar stream, with fixed metadata (root-owned, mtime 0) so the same input gives the same bytes. A stream
 * cannot take back what it sent, so a staged stream (`holdEnd`) keeps the end-of-archive blocks until `release()`:
 * a reader of a write that was refused sees a truncated archive, never a complete one.
 */
export class TarSink implements Sink {
  protected readonly tw: TarWriter;
  protected readonly names = new Set<string>();
  private held = false;
  constructor(out: Writable | ((b: Buffer, at: number) => Promise<void>), private readonly holdEnd = false) {
    this.tw = new TarWriter(out);
  }
  /**
   * Ends a refused stream in the middle of a block: Go's tar reader (docker load's) takes a stream that stops at a
   * header boundary as a complete archive, but one that stops inside a header as truncated.
   */
  async cutShort(): Promise<void> {
    this.held = false;
    await this.tw.write(Buffer.from('stowage: this archive was refused; nothing in it is proved\n')).catch(() => undefined);
  }
  /** Writes the end-of-archive blocks a staged stream held back. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.tw.finish();
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
    if (this.holdEnd) {
      this.held = true;
      return;
    }
    await this.tw.finish();
  }
}

/** Files in a directory (created by the caller, typically a temporary one renamed into place afterwards). */
export class DirSink implements Sink {
  /** Blobs are separate files, so several can be written at once (a pull overlaps its downloads). */
  readonly concurrent = 3;
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
    await writeChunks(await this.parent(name), body, { onChunk: (c) => { this.bytes += c.length; } });
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

const fsWriteAsync = promisify(fsWrite);
const writeAt = async (fd: number, b: Buffer, off: number, len: number, pos: number): Promise<number> => (await fsWriteAsync(fd, b, off, len, pos)).bytesWritten;
const ZEROS = Buffer.alloc(BLOCK * 2);
/** Writes under this size are gathered (FdSink). */
const GATHER = 256 << 10;
/**
 * Writes at least this big go as they are (a copy each into the gathered bytes cost apply 100 MB of copies for a
 * 260 MB layer, whose chunks are mostly 64 KiB-1 MiB).
 */
const DIRECT = 64 << 10;

async function writeFully(fd: number, b: Buffer, at: number): Promise<void> {
  let off = 0;
  while (off < b.length) off += await writeAt(fd, b, off, b.length - off, at + off);
}

/**
 * A tar written straight into a file descriptor with positional writes (a file output, not a pipe), so that layer
 * data can be copied by RegionCopier's threads at the right offset while this thread writes the headers.
 * Same bytes as TarSink for the same calls.
 */
export class FdSink extends TarSink {
  /** Each chunk is written (awaited) or copied into `pending` before the tar writer asks for the next. */
  readonly releasesOnPull = true;
  private copier: RegionCopier | undefined;
  /**
   * Small writes (headers, small files) are gathered and written together: an archive naming one layer thousands
   * of times is thousands of tiny entries, and one system call each made it crawl.
   */
  private pending: Buffer[] = [];
  private pendingAt = 0;
  private pendingLen = 0;
  constructor(private readonly fd: number, private readonly label = 'output') {
    super(async (b, at) => {
      if (b.length < DIRECT && this.pendingLen && at === this.pendingAt + this.pendingLen && this.pendingLen + b.length <= GATHER) {
        this.pending.push(Buffer.from(b));
        this.pendingLen += b.length;
        return;
      }
      await this.flush();
      if (b.length < DIRECT) {
        this.pending = [Buffer.from(b)];
        this.pendingAt = at;
        this.pendingLen = b.length;
        return;
      }
      await this.put(b, at);
    });
  }
  /** Positional writes; a failure (a full disk) names the output. */
  private async put(b: Buffer, at: number): Promise<void> {
    try {
      await writeFully(this.fd, b, at);
    } catch (e) {
      throw fsError(e, this.label, 'nothing written');
    }
  }
  private async flush(): Promise<void> {
    if (!this.pendingLen) return;
    const b = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const at = this.pendingAt;
    this.pending = [];
    this.pendingLen = 0;
    await this.put(b, at);
  }
  async copyRegion(name: string, size: number, region: FileRegion, hash = true): Promise<{ digest?: Digest; size: number }> {
    this.names.add(name);
    await this.tw.write(encodeHeader({ name, type: 'file', size, mode: 0o644 }));
    this.copier ??= new RegionCopier();
    let r: { digest?: Digest; size: number };
    try {
      r = await this.copier.copy({ ...region, size }, this.fd, this.tw.reserve(size), hash);
    } catch (e) {
      // A full disk under the copy threads names the output, as every other write does; a failed read names the
      // input file it came from.
      throw isWriteFailure(e) ? fsError(e, this.label, 'nothing written') : fsError(e, region.file);
    }
    await this.tw.write(ZEROS.subarray(0, padding(size)));
    return r;
  }
  override async finish(): Promise<void> {
    await super.finish();
    await this.flush();
    await this.copier?.close();
  }
  /** Stops the copy threads (after a failure; finish() does it on success). */
  async dispose(): Promise<void> {
    await this.copier?.close();
  }
}
