/**
 * A ByteSource over a file region for readers that want nearly every byte (export, squash): small reads (tar
 * headers, small files) are served from a read-ahead buffer, so a layer of many small files costs a few large
 * reads instead of one thread-pool round trip per header; large bodies are read in large chunks; skipped data past
 * the buffer is seeked over, never read. (FileByteSource, which reads exactly what is asked, suits header-only
 * walks such as indexing an archive.)
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from './bytesource.js';

const READ_AHEAD = 256 << 10;
const CHUNK = 1 << 20;
/** Reads up to this size are copied out of the buffer, so a kept header does not pin the whole buffer. */
const COPY_BELOW = 4096;

export class ReadAheadFileSource implements ByteSource {
  position: number;
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private bufStart = 0;

  private constructor(private readonly fh: FileHandle, start: number, private readonly end: number) {
    this.position = start;
  }

  static async open(path: string, start = 0, end?: number): Promise<ReadAheadFileSource> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      return new ReadAheadFileSource(fh, start, Math.min(end ?? size, size));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Bytes available in the buffer at the current position. */
  private buffered(): number {
    const off = this.position - this.bufStart;
    return off >= 0 && off < this.buf.length ? this.buf.length - off : 0;
  }

  private async readAt(pos: number, n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - pos));
    const b = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(b, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === want ? b : b.subarray(0, got);
  }

  /** Makes at least `n` bytes (or what is left) available in the buffer from the current position. */
  private async fill(n: number): Promise<void> {
    if (this.buffered() >= n) return;
    const have = this.buffered();
    const rest = have ? this.buf.subarray(this.position - this.bufStart) : Buffer.alloc(0);
    const more = await this.readAt(this.position + have, Math.max(n - have, READ_AHEAD));
    this.buf = have ? Buffer.concat([rest, more]) : more;
    this.bufStart = this.position;
  }

  private take(n: number): Buffer {
    const off = this.position - this.bufStart;
    const k = Math.min(n, this.buffered());
    const out = this.buf.subarray(off, off + k);
    this.position += k;
    return k <= COPY_BELOW ? Buffer.from(out) : out;
  }

  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.take(n);
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered() === 0) {
        if (this.position >= this.end) return;
        // A small rest: read it with what follows (the next headers); a large one: straight, in big reads.
        if (left < READ_AHEAD) await this.fill(left);
        else {
          const c = await this.readAt(this.position, Math.min(left, CHUNK));
          if (c.length === 0) return;
          this.position += c.length;
          left -= c.length;
          yield c;
          continue;
        }
      }
      const c = this.take(left);
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
    this.buf = Buffer.alloc(0);
    await this.fh.close();
  }
}
