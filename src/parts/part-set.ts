/**
 * A complete, sound part set opened for reading: the payload as one stream in order (each part proved at its end),
 * every part proved without consuming the payload, and random access by payload offset, so a caller reads a blob
 * where it lies in the part files instead of copying the payload to temporary disk. A part altered and
 * re-checksummed proves itself; `blame` names the part holding the offset where a later check failed. Reads in
 * place keep a few part files open: `close()` when done.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import { fsError } from '../fs/fs-errors.js';
import type { ByteSource } from '../tar/bytesource.js';
import { HEADER_SIZE } from './format.js';
import type { PartFile } from './head.js';
import { partPayload } from './part-payload.js';
import { scanError, scanParts, type PartScan, type ScanOptions } from './scan.js';

/** Where a payload offset lies. */
export interface PartLocation {
  part: PartFile;
  /** The byte's offset in the part file. */
  fileOffset: number;
  /** Payload bytes from there to the end of this part. */
  left: number;
}

const HANDLES = 8;

export class PartSet {
  readonly name: string;
  readonly setId: string;
  readonly count: number;
  readonly total: number;
  readonly partPayload: number;
  /** Part 1 first. */
  readonly parts: readonly PartFile[];

  constructor(scan: PartScan) {
    const err = scanError(scan);
    if (err) throw err;
    this.name = scan.name;
    this.setId = scan.setId!;
    this.count = scan.count!;
    this.total = scan.total!;
    this.partPayload = scan.partPayload!;
    this.parts = scan.parts;
  }

  /** The whole payload in order; each part's sha256 is checked when its last byte has been yielded. */
  async *payload(onPart?: (p: PartFile) => void): AsyncGenerator<Buffer> {
    for (const p of this.parts) {
      yield* partPayload(p);
      onPart?.(p);
    }
  }

  /** Proves every part (reads every byte once, yields nothing). `onBytes` is told the bytes proved so far. */
  async verify(onBytes?: (done: number, total: number) => void): Promise<void> {
    let done = 0;
    for (const p of this.parts) {
      for await (const b of partPayload(p)) {
        done += b.length;
        onBytes?.(done, this.total);
      }
    }
  }

  /** The part holding payload byte `offset`. */
  partAt(offset: number): PartFile {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.total) {
      throw new StowageError(`${this.name}: payload offset ${offset} is outside the ${this.total} bytes of the set`, { code: 'invalid' });
    }
    return this.parts[Math.floor(offset / this.partPayload)]!;
  }

  /** Where payload byte `offset` lies: which file, at which offset, and how much of the part follows it. */
  locate(offset: number): PartLocation {
    const part = this.partAt(offset);
    return { part, fileOffset: HEADER_SIZE + (offset - part.offset), left: part.offset + part.length - offset };
  }

  /**
   * Reads `length` payload bytes from `offset`, in place across part boundaries. Not proved against the parts'
   * checksums (that would read whole parts): the caller proves what it reads against its own digest and, when it
   * does not hold, calls `blame`.
   */
  async *read(offset: number, length: number, chunk = 1 << 20): AsyncGenerator<Buffer> {
    if (length === 0) return;
    if (!Number.isSafeInteger(length) || length < 0 || offset + length > this.total) {
      throw new StowageError(`${this.name}: ${length} bytes from payload offset ${offset} run past the ${this.total} bytes of the set`, { code: 'invalid' });
    }
    let at = offset;
    const end = offset + length;
    while (at < end) {
      const loc = this.locate(at);
      const n = Math.min(loc.left, end - at);
      const fh = await this.handle(loc.part);
      try {
        let done = 0;
        while (done < n) {
          const b = Buffer.allocUnsafe(Math.min(chunk, n - done));
          const got = await readFull(fh, b, loc.fileOffset + done, loc.part.file);
          if (got < b.length) throw new StowageError(`${loc.part.file}: truncated (it ends inside its payload)`, { code: 'truncated' });
          done += got;
          yield b;
        }
      } finally {
        await this.release(loc.part);
      }
      at += n;
    }
  }

  // Open part files kept for reads in place (a tar reader reads 512 bytes at a time): at most HANDLES idle ones.
  private readonly handles = new Map<number, { fh: Promise<FileHandle>; users: number }>();

  private async handle(p: PartFile): Promise<FileHandle> {
    let h = this.handles.get(p.number);
    if (!h) {
      h = { fh: openPart(p), users: 0 };
      this.handles.set(p.number, h);
      h.fh.catch(() => this.handles.delete(p.number));
    }
    h.users++;
    try {
      return await h.fh;
    } catch (e) {
      h.users--;
      throw e;
    }
  }

  private async release(p: PartFile): Promise<void> {
    const h = this.handles.get(p.number);
    if (h) h.users--;
    if (this.handles.size <= HANDLES) return;
    for (const [n, x] of this.handles) {
      if (x.users > 0) continue;
      this.handles.delete(n);
      await (await x.fh).close().catch(() => undefined);
      if (this.handles.size <= HANDLES) return;
    }
  }

  /** Closes the part files kept open by reads in place (the set may be read again: they reopen). */
  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    for (const h of all) await h.fh.then((fh) => fh.close(), () => undefined).catch(() => undefined);
  }

  /** The payload from `start` (default 0) to `end` (default its end) as a ByteSource, for the tar reader. */
  byteSource(start = 0, end = this.total): ByteSource {
    return new PartByteSource(this, start, end);
  }

  /**
   * The error for a failed check of bytes at payload offset `offset` (a blob that does not hash to its name): it
   * names the part holding them. Their part's checksum held (or was not read), so the part was altered and its
   * checksum made again, or damaged before it was written.
   */
  blame(offset: number, problem: string): StowageError {
    const p = this.partAt(offset);
    return new StowageError(`${p.file}: damaged at payload byte ${offset} (part ${p.number} of ${this.count}): ${problem}`, { code: 'tampered' });
  }
}

async function openPart(p: PartFile): Promise<FileHandle> {
  try {
    return await open(p.file, 'r');
  } catch (e) {
    throw fsError(e, p.file);
  }
}

async function readFull(fh: FileHandle, b: Buffer, pos: number, file: string): Promise<number> {
  let got = 0;
  try {
    while (got < b.length) {
      const { bytesRead } = await fh.read(b, got, b.length - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  } catch (e) {
    throw fsError(e, file);
  }
  return got;
}

/** A ByteSource over a part set's payload: reads in place, skips by moving the offset (no part read). */
class PartByteSource implements ByteSource {
  position: number;
  constructor(private readonly set: PartSet, start: number, private readonly end: number) {
    this.position = start;
  }

  async read(n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - this.position));
    const bufs: Buffer[] = [];
    for await (const b of this.set.read(this.position, want)) bufs.push(b);
    this.position += want;
    return bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs, want);
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - this.position));
    for await (const b of this.set.read(this.position, want)) {
      this.position += b.length;
      yield b;
    }
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.end - this.position));
    this.position += k;
    return k;
  }

  async close(): Promise<void> {}
}

/**
 * Opens a part set from part files or folders holding them, any order: the cheap pass over headers and sizes
 * first, which refuses in one line (naming the parts by number) a set that is incomplete or mixed, before any
 * payload is read.
 */
export async function openPartSet(inputs: string[], opts: ScanOptions = {}): Promise<PartSet> {
  return new PartSet(await scanParts(inputs, opts));
}
