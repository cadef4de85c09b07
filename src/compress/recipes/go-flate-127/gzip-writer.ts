/**
 * Go 1.27's compress/gzip Writer with a zero header, around its new compress/flate: the same 10-byte header as
 * Go 1.8-1.26 (mtime 0, XFL 4 at level 1, 2 at level 9, else 0, OS 255), the deflate stream, CRC-32 and length.
 */
import { crc32 } from 'node:zlib';
import { encodeStream } from '../stream-encoder.js';
import { BlockWriter127 } from './block-writer.js';
import { FastDeflater127 } from './fast-deflater.js';
import { LazyDeflater127 } from './lazy-deflater.js';

export class Go127GzipWriter {
  private readonly blocks: BlockWriter127;
  private readonly deflater: FastDeflater127 | LazyDeflater127;
  private crc = 0;
  private size = 0;

  constructor(level: number, private readonly emit: (bytes: Uint8Array) => void) {
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new RangeError(`go-flate level ${level}: want 1 to 9`);
    this.blocks = new BlockWriter127(emit, level <= 6 ? 7 : 8);
    this.deflater = level <= 6 ? new FastDeflater127(level, this.blocks) : new LazyDeflater127(level, this.blocks);
    const header = new Uint8Array(10);
    header.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 1 ? 4 : level === 9 ? 2 : 0, 255]);
    emit(header);
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

/** Yields `input` gzip'd exactly as Go 1.27's compress/gzip at `level` makes it. */
export async function* go127Gzip(input: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Buffer> {
  return yield* encodeStream(input, (emit) => new Go127GzipWriter(level, emit));
}
