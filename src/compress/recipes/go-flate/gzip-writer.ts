/**
 * Go's compress/gzip Writer around the compressors, as moby, containerd, BuildKit and go-containerregistry use it
 * (no name, no comment, no extra field): a 10-byte header (ID, method 8, flags 0, mtime, XFL 4 at level 1 and 2 at
 * level 9 else 0, OS 255), the deflate stream, then CRC-32 and the length mod 2^32, little-endian.
 */
import { encodeStream } from '../stream-encoder.js';
import { crc32 } from 'node:zlib';
import { BlockWriter } from './block-writer.js';
import { FastDeflater } from './fast-deflater.js';
import { LazyDeflater } from './lazy-deflater.js';

export interface GoGzipOptions {
  /** Header mtime in seconds (Go writes 0 unless ModTime is set). */
  mtime?: number;
  /** Treat each write as one Go Write call (see LazyDeflater.write); by default io.Copy's 32 KiB writes. */
  goWrites?: boolean;
}

/** A synchronous encoder: `write` and `end` hand the compressed bytes made so far to `emit`. */
export class GoGzipWriter {
  private readonly blocks: BlockWriter;
  private readonly deflater: FastDeflater | LazyDeflater;
  private crc = 0;
  private size = 0;

  constructor(level: number, private readonly emit: (bytes: Uint8Array) => void, opts: GoGzipOptions = {}) {
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new RangeError(`go-flate level ${level}: want 1 to 9`);
    const header = new Uint8Array(10);
    header.set([0x1f, 0x8b, 8, 0]);
    new DataView(header.buffer).setUint32(4, (opts.mtime ?? 0) >>> 0, true);
    header[8] = level === 1 ? 4 : level === 9 ? 2 : 0;
    header[9] = 255;
    emit(header);
    this.blocks = new BlockWriter(emit);
    this.deflater = level === 1 ? new FastDeflater(this.blocks) : new LazyDeflater(level, this.blocks, opts.goWrites);
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.crc = crc32(data, this.crc);
    this.size = (this.size + data.length) >>> 0;
    this.deflater.write(data);
    this.blocks.out.drain();
  }

  end(): void {
    this.deflater.end();
    const trailer = new Uint8Array(8);
    const view = new DataView(trailer.buffer);
    view.setUint32(0, this.crc >>> 0, true);
    view.setUint32(4, this.size, true);
    this.emit(trailer);
  }
}

/** Yields `input` gzip'd exactly as Go 1.8-1.26's compress/gzip at `level` makes it. */
export async function* goGzip(input: AsyncIterable<Uint8Array>, level: number, opts: GoGzipOptions = {}): AsyncGenerator<Buffer> {
  return yield* encodeStream(input, (emit) => new GoGzipWriter(level, emit, opts));
}
