/**
 * Sequential byte sources for the tar reader: one over a stream (standard input, an HTTP body, a decompressor),
 * one over a file that can skip entry data by seeking instead of reading it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface ByteSource {
  /** Bytes consumed so far (the offset of the next byte). */
  readonly position: number;
  /** Reads up to n bytes; fewer only at the end of the data. */
  read(n: number): Promise<Buffer>;
  /** Yields exactly n bytes as chunks (fewer only at the end of the data). The chunks are not copied. */
  chunks(n: number): AsyncGenerator<Buffer>;
  /** Skips n bytes; returns how many were actually there. */
  skip(n: number): Promise<number>;
  close(): Promise<void>;
}

/** A ByteSource over any async iterable of buffers (a Readable stream). Memory: one chunk at a time. */
export class StreamByteSource implements ByteSource {
  private it: AsyncIterator<Buffer | string>;
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  position = 0;

  constructor(stream: AsyncIterable<Buffer | string> | Readable) {
    this.it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    return true;
  }

  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.fill()));
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    this.position += out.length;
    // Copy small reads so a retained header does not pin a large chunk in memory.
    return out.length <= 4096 ? Buffer.from(out) : out;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) return;
      const take = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(take.length);
      this.position += take.length;
      left -= take.length;
      yield take;
    }
  }

  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const c of this.chunks(n)) skipped += c.length;
    return skipped;
  }

  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }
}

/** A ByteSource over a file region: reads with positional reads, skips by moving the offset (no data read). */
export class FileByteSource implements ByteSource {
  position: number;
  private readonly end: number;
  private readonly fh: FileHandle;
  private readonly ownsHandle: boolean;
  private readonly chunkSize: number;

  private constructor(fh: FileHandle, start: number, end: number, owns: boolean, chunkSize: number) {
    this.fh = fh;
    this.position = start;
    this.end = end;
    this.ownsHandle = owns;
    this.chunkSize = chunkSize;
  }

  static async open(path: string, start = 0, end?: number, chunkSize = 1 << 20): Promise<FileByteSource> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      return new FileByteSource(fh, start, Math.min(end ?? size, size), true, chunkSize);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  static fromHandle(fh: FileHandle, start: number, end: number, chunkSize = 1 << 20): FileByteSource {
    return new FileByteSource(fh, start, end, false, chunkSize);
  }

  async read(n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - this.position));
    const b = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(b, got, want - got, this.position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.position += got;
    return got === want ? b : b.subarray(0, got);
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const c = await this.read(Math.min(left, this.chunkSize));
      if (c.length === 0) return;
      left -= c.length;
      yield c;
    }
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.end - this.position));
    this.position += k;
    return k;
  }

  async close(): Promise<void> {
    if (this.ownsHandle) await this.fh.close();
  }
}
