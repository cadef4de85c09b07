/**
 * GNU gzip 1.12's file format around its deflate stream, as `gzip -N -n` writes it (no name, mtime 0): the 10-byte
 * header 1f 8b 08, flags 0, mtime 0, XFL 4 at level 1 and 2 at level 9 (else 0), OS 3 (Unix); the deflate stream;
 * CRC-32 and the input length mod 2^32, little-endian. zlib's own gzip wrapper (deflateInit2 with windowBits 31 and
 * no header given) writes the same 10 bytes, so with the ZLIB_1_2_13 flavor this is zlib's gzip stream.
 */
import { encodeStream } from '../stream-encoder.js';
import { crc32 } from 'node:zlib';
import { GnuBlockWriter } from './block-writer.js';
import { GnuDeflater } from './deflater.js';
import { type DeflateFlavor, GNU_GZIP_1_12, ZLIB_1_2_13 } from './flavor.js';

/** A synchronous encoder: `write` and `end` hand the compressed bytes made so far to `emit`. */
export class GnuGzipWriter {
  private readonly blocks: GnuBlockWriter;
  private readonly deflater: GnuDeflater;
  private crc = 0;
  private size = 0;

  constructor(level: number, private readonly emit: (bytes: Uint8Array) => void, flavor: DeflateFlavor = GNU_GZIP_1_12) {
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new RangeError(`gnu-gzip level ${level}: want 1 to 9`);
    emit(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 1 ? 4 : level === 9 ? 2 : 0, 3));
    this.blocks = new GnuBlockWriter(emit, level, flavor);
    this.deflater = new GnuDeflater(level, this.blocks, flavor);
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
    this.blocks.out.drain();
    const trailer = new Uint8Array(8);
    const view = new DataView(trailer.buffer);
    view.setUint32(0, this.crc >>> 0, true);
    view.setUint32(4, this.size, true);
    this.emit(trailer);
  }
}

/** Yields `input` gzip'd exactly as GNU gzip 1.12 `-N -n` makes it from a file (or as `flavor` says). */
export async function* gnuGzip(input: AsyncIterable<Uint8Array>, level: number, flavor: DeflateFlavor = GNU_GZIP_1_12): AsyncGenerator<Buffer> {
  return yield* encodeStream(input, (emit) => new GnuGzipWriter(level, emit, flavor));
}

/** Yields `input` gzip'd exactly as vanilla zlib 1.2.13 makes it (windowBits 31, memLevel 8, default strategy). */
export function zlibGzip(input: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Buffer> {
  return gnuGzip(input, level, ZLIB_1_2_13);
}
