/**
 * pgzip 1.2.6's gzip stream at its default level, as containers/image (podman, buildah, skopeo) writes layers: the
 * input cut into blocks of 1 MiB; each block compressed on its own by klauspost's flate at level 5 with the last
 * 16 KiB of the block before as dictionary, then flushed (so every block ends at a byte with an empty stored block);
 * the last block (possibly empty) also closed with a final fixed-code block. Blocks are independent of one another
 * once the dictionary is given, so pgzip's output does not depend on its threads or on write sizes, and one thread
 * here makes the same bytes.
 *
 * The header is pgzip's for a zero gzip.Header: flags 0, mtime 0x886E0900 (Go's zero time.Time, year 1, as a
 * 32-bit Unix time), XFL 0 (the level is DefaultCompression, neither 1 nor 9), OS 255; the trailer CRC-32 and the
 * length mod 2^32.
 */
import { crc32 } from 'node:zlib';
import { encodeStream } from '../stream-encoder.js';
import { KlauspostBlockWriter } from './block-writer.js';
import { Level5Deflater } from './deflater.js';

export const PGZIP_BLOCK = 1 << 20;
const TAIL = 16384;
export const PGZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0x00, 0x09, 0x6e, 0x88, 0, 255);

/** klauspost/compress versions whose level-5 output this reproduces, and what sets them apart. */
export const KLAUSPOST_VERSIONS = { '1.20.0': { endOfBlockInReuse: true }, '1.18.1': { endOfBlockInReuse: false } } as const;
export type KlauspostVersion = keyof typeof KLAUSPOST_VERSIONS;

export class PgzipWriter {
  private readonly blocks: KlauspostBlockWriter;
  private readonly deflater: Level5Deflater;
  private crc = 0;
  private size = 0;
  /** Bytes of the current block given to the deflater so far; -1 when the next block has not started. */
  private inBlock = 0;
  /** The last TAIL bytes of the current block (the next block's dictionary), filled from the end of `tail`. */
  private readonly tail = new Uint8Array(TAIL);
  private readonly dict = new Uint8Array(TAIL);

  constructor(version: KlauspostVersion, private readonly emit: (bytes: Uint8Array) => void) {
    const v = KLAUSPOST_VERSIONS[version];
    if (!v) throw new RangeError(`pgzip: klauspost/compress version ${version} is not reproduced`);
    emit(PGZIP_HEADER.slice());
    this.blocks = new KlauspostBlockWriter(emit, v.endOfBlockInReuse);
    this.deflater = new Level5Deflater(this.blocks);
    this.deflater.resetDict(null);
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.crc = crc32(data, this.crc);
    this.size = (this.size + data.length) >>> 0;
    let at = 0;
    while (at < data.length) {
      if (this.inBlock < 0) this.startBlock();
      const n = Math.min(data.length - at, PGZIP_BLOCK - this.inBlock);
      const part = data.subarray(at, at + n);
      this.deflater.write(part);
      this.keepTail(part);
      this.inBlock += n;
      at += n;
      if (this.inBlock === PGZIP_BLOCK) {
        this.deflater.flush();
        this.inBlock = -1;
      }
    }
  }

  end(): void {
    if (this.inBlock < 0) this.startBlock();
    this.deflater.flush();
    this.deflater.close();
    const trailer = new Uint8Array(8);
    const view = new DataView(trailer.buffer);
    view.setUint32(0, this.crc >>> 0, true);
    view.setUint32(4, this.size, true);
    this.emit(trailer);
  }

  /** A block after a full one: a new deflate stream with the full block's last 16 KiB as dictionary. */
  private startBlock(): void {
    this.dict.set(this.tail);
    this.deflater.resetDict(this.dict);
    this.inBlock = 0;
  }

  private keepTail(part: Uint8Array): void {
    if (part.length >= TAIL) {
      this.tail.set(part.subarray(part.length - TAIL));
    } else {
      this.tail.copyWithin(0, part.length);
      this.tail.set(part, TAIL - part.length);
    }
  }
}

/** Yields `input` gzip'd exactly as pgzip 1.2.6 over klauspost/compress `version` makes it at its default level. */
export async function* pgzip(input: AsyncIterable<Uint8Array>, version: KlauspostVersion): AsyncGenerator<Buffer> {
  return yield* encodeStream(input, (emit) => new PgzipWriter(version, emit));
}
