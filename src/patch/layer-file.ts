/**
 * A layer's uncompressed tar as a region of a real file, read by offset: where the source stores it plain (a docker
 * archive, a plain blob) that is the source file itself; a gzip or zstd layer (or a stream) is decompressed once into
 * a temporary file. Patches copy and match file contents at offsets, so they need this random access; memory stays
 * bounded whatever the layer size.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StowageError, TruncatedError } from '../errors.js';
import { describeCompression } from '../compress/detect.js';
import { TMP_HINT, fsError, isWriteFailure } from '../fs/fs-errors.js';
import { tempDir } from '../fs/temp.js';
import { writeChunks } from '../fs/write-chunks.js';
import type { Layer } from '../image/layer.js';
import { readTar } from '../tar/reader.js';
import { ReadAheadFileSource } from '../tar/readahead-source.js';
import type { BufferPool } from './buffer-pool.js';
import type { ByteSource } from '../tar/bytesource.js';

const SMALL_READ = 64 << 10;
const WINDOW = 1 << 20;
/** What a read that jumps away from the window loads: one header, or a small file, and a little after it. */
const JUMP_READ = 16 << 10;

/**
 * Reads by offset with a read-ahead window of its own. Each reader of a file has one (a LayerFile's own, and one per
 * `cursor()`): layers rebuilt at once from the same base layer (an OCI layout writes its layers concurrently) read far
 * apart, and a shared window would be refilled on every read.
 */
export class LayerReader {
  private win: Buffer = Buffer.alloc(0);
  private winAt = 0;

  constructor(private readonly file: LayerFile) {}

  get size(): number {
    return this.file.size;
  }

  /** Reads `len` bytes at `off` (relative to the tar's start); they must all be there. The caller may change them. */
  async read(off: number, len: number): Promise<Buffer> {
    const b = await this.view(off, len);
    return len > SMALL_READ ? b : Buffer.from(b);
  }

  /**
   * The same bytes, for a caller that only reads them: a small read is a view of the window, not a copy (a window is
   * never refilled in place, so the view stays true).
   */
  async view(off: number, len: number): Promise<Buffer> {
    const f = this.file;
    if (off < 0 || len < 0 || off + len > f.size) throw new StowageError(`${f.what}: a read past its end (offset ${off}, ${len} bytes, of ${f.size})`);
    if (len > SMALL_READ) return f.readDirect(off, len);
    if (off < this.winAt || off + len > this.winAt + this.win.length) {
      // A read just past the window (the next header, the next file) loads a whole window: reads go on from there. One
      // that jumps elsewhere (a copy of an identical file far away in the base) loads little: a whole window per jump
      // read 3.2 GB for a 66 MB layer of node_modules, whose duplicate files lie all over the base.
      const end = this.winAt + this.win.length;
      const onward = off >= this.winAt && off <= end + JUMP_READ;
      // The window's offset and bytes change together, after the read: set apart, a read interleaved with this one
      // would take the old bytes for the new offset (issue 24: "corrupt patch data" from a valid patch).
      const win = await f.readDirect(off, Math.min(onward ? WINDOW : Math.max(len, JUMP_READ), f.size - off));
      this.win = win;
      this.winAt = off;
    }
    return this.win.subarray(off - this.winAt, off - this.winAt + len);
  }

  /**
   * `len` bytes at `off` in chunks, for a caller that only reads them. A big region is read one chunk ahead: the
   * next read is in flight while the caller hashes and writes this one. With `pool`, the chunks are read into its
   * buffers, lent to the caller (buffer-pool.ts says who gives them back).
   */
  async *stream(off: number, len: number, chunk = 1 << 20, pool?: BufferPool): AsyncGenerator<Buffer> {
    if (len <= SMALL_READ) {
      yield await this.view(off, len);
      return;
    }
    if (off < 0 || len < 0 || off + len > this.file.size) await this.view(off, len); // (throws the one-line error)
    const f = this.file;
    const readAt = (o: number, n: number) => (pool ? f.readInto(pool.take(n), o) : f.readDirect(o, n));
    let next = readAt(off, Math.min(chunk, len));
    try {
      for (let at = 0; at < len;) {
        const cur = await next;
        at += cur.length;
        if (at < len) {
          next = readAt(off + at, Math.min(chunk, len - at));
          next.catch(() => undefined); // (awaited on the next turn; a caller that stops here leaves no unhandled rejection)
        }
        yield cur;
      }
    } finally {
      await next.catch(() => undefined);
    }
  }
}

/**
 * Reads that hand out copies only (a header sweep): since no view of its window escapes, the window's memory is read
 * into again for a later window instead of a fresh buffer each time. Two buffers at most: the current window and a
 * spare, the one before it; a read takes the spare before it starts, so no buffer is read into while it is the
 * window, and each copy is made in the same turn its window is set.
 */
export class CopyingReader {
  private win: Buffer = Buffer.alloc(0);
  private winAt = 0;
  private spare: Buffer | undefined;

  constructor(private readonly file: LayerFile, private readonly window: number) {}

  /** `len` bytes at `off`, in a buffer of the caller's own. */
  async read(off: number, len: number): Promise<Buffer> {
    const f = this.file;
    if (off < 0 || len < 0 || off + len > f.size) throw new StowageError(`${f.what}: a read past its end (offset ${off}, ${len} bytes, of ${f.size})`);
    if (len > SMALL_READ) return f.readDirect(off, len);
    if (off < this.winAt || off + len > this.winAt + this.win.length) {
      const onward = off >= this.winAt && off <= this.winAt + this.win.length + JUMP_READ;
      const n = Math.min(onward ? Math.max(len, this.window) : Math.max(len, JUMP_READ), f.size - off);
      let slab = this.spare && this.spare.length >= n ? this.spare : Buffer.allocUnsafe(Math.max(n, this.window));
      this.spare = undefined;
      slab = await f.readInto(slab.subarray(0, n), off);
      const old = this.win;
      this.win = slab;
      this.winAt = off;
      if (old.length) this.spare = Buffer.from(old.buffer, old.byteOffset, old.buffer.byteLength - old.byteOffset);
    }
    return Buffer.from(this.win.subarray(off - this.winAt, off - this.winAt + len));
  }
}

export class LayerFile {
  private readonly own = new LayerReader(this);

  private constructor(
    readonly what: string,
    private readonly path: string,
    private readonly fh: FileHandle,
    /** Offset of the tar in the file. */
    readonly start: number,
    readonly size: number,
    private readonly cleanup?: () => Promise<void>,
  ) {}

  /**
   * Opens a layer's uncompressed tar. A plain tar in a real file is read where it lies (proved by whoever rebuilds
   * from it); a gzip or zstd layer, or one in a stream, is decompressed into a temporary file, its DiffID checked on
   * the way (the layer's uncompressed() checks it).
   */
  static async open(layer: Layer, what: string): Promise<LayerFile> {
    if (!layer.present) throw new StowageError(`${what}: not in the source (a thin archive leaves it out)`);
    const kind = layer.compression;
    if (kind === 'none') {
      const region = await layer.region();
      if (region) return new LayerFile(what, region.file, await open(region.file, 'r'), region.offset, region.size);
    }
    if (kind !== 'none' && kind !== 'gzip' && kind !== 'zstd') throw new StowageError(`${what}: ${describeCompression(kind)}; cannot read its files`);
    const tmp = await tempDir('stowage-patch-');
    const file = join(tmp.dir, 'layer.tar');
    let size = 0;
    try {
      size = await writeChunks(file, layer.uncompressed());
    } catch (e) {
      await tmp.remove();
      throw isWriteFailure(e) ? fsError(e, `temporary folder ${tmp.dir} (decompressing ${what})`, TMP_HINT) : e;
    }
    return new LayerFile(what, file, await open(file, 'r'), 0, size, () => tmp.remove());
  }

  /** A reader with its own read-ahead window, for one of several users reading at once. */
  cursor(): LayerReader {
    return new LayerReader(this);
  }

  /** A reader that hands out copies only, through a window of `window` bytes whose memory it reuses. */
  copyingCursor(window: number): CopyingReader {
    return new CopyingReader(this, window);
  }

  read(off: number, len: number): Promise<Buffer> {
    return this.own.read(off, len);
  }

  stream(off: number, len: number, chunk = 1 << 20): AsyncGenerator<Buffer> {
    return this.own.stream(off, len, chunk);
  }

  /** Exactly `len` bytes at `off`, in a fresh buffer (no window: any number of reads may be in flight). */
  readDirect(off: number, len: number): Promise<Buffer> {
    return this.readInto(Buffer.allocUnsafe(len), off);
  }

  /** Fills `b` with the bytes at `off` (all of them must be there). */
  async readInto(b: Buffer, off: number): Promise<Buffer> {
    const len = b.length;
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(b, got, len - got, this.start + off + got);
      if (bytesRead === 0) throw new TruncatedError(this.what);
      got += bytesRead;
    }
    return b;
  }

  async close(): Promise<void> {
    await this.fh.close();
    await this.cleanup?.();
  }

  /**
   * Walks the tar's entries (data is seeked over unless the caller reads an entry's body). `headers`: the caller
   * reads no body (the decoder's base index), so the walk reads through one window whose memory it reuses.
   */
  entries(opts: { headers?: boolean } = {}) {
    const self = this;
    return (async function* () {
      // A read-ahead source: headers and small files come from a few large reads; big files' data is seeked over.
      const src = opts.headers ? new HeaderSource(self.copyingCursor(HEADER_WINDOW), self.start, self.start + self.size)
        : await ReadAheadFileSource.open(self.path, self.start, self.start + self.size);
      try {
        for await (const e of readTar(src, { what: self.what, allowEmpty: true })) {
          yield { entry: e, headerOffset: e.headerOffset - self.start, dataOffset: e.dataOffset - self.start };
        }
      } finally {
        await src.close();
      }
    })();
  }
}

/**
 * A tar walked for its headers (the tar reader's source), read through a CopyingReader: every read hands out a copy
 * (the reader keeps headers), so the window's memory is read into again. A body read (chunks) is copied the same way;
 * the walks that read bodies use ReadAheadFileSource. Positions are the file's, as the tar reader reports them.
 */
class HeaderSource implements ByteSource {
  position: number;

  constructor(private readonly reader: CopyingReader, private readonly start: number, private readonly end: number) {
    this.position = start;
  }

  async read(n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - this.position));
    const out = want ? await this.reader.read(this.position - this.start, want) : Buffer.alloc(0);
    this.position += out.length;
    return out;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    for (let left = n; left > 0;) {
      const c = await this.read(Math.min(left, HEADER_WINDOW));
      if (!c.length) return;
      left -= c.length;
      yield c;
    }
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.end - this.position));
    this.position += k;
    return k;
  }

  async close(): Promise<void> {}
}

const HEADER_WINDOW = 256 << 10;

/** Types whose data area is always empty, whatever their size field says (the tar reader's rule). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

export function dataLength(typeflag: string, size: number): number {
  return HEADER_ONLY.has(typeflag) ? 0 : size;
}
