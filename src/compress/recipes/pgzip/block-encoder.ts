/**
 * One pgzip block on its own: what PgzipWriter does to each 1 MiB block, given the whole block and its dictionary
 * at once. pgzip starts a fresh deflate stream per block (klauspost's ResetDict with the previous block's last
 * 16 KiB), ends every block with a sync flush (an empty stored block, so each block's bytes end on a byte) and the
 * last block, which is never full (an input ending on a block edge gets an empty last block), also with the final
 * fixed-code block. So a block's bytes depend only on (dictionary, block, last), and blocks encoded anywhere, in
 * any order, concatenate into the stream PgzipWriter makes; the gzip header and trailer are the caller's.
 */
import { KlauspostBlockWriter } from './block-writer.js';
import { Level5Deflater } from './deflater.js';
import { KLAUSPOST_VERSIONS, type KlauspostVersion } from './gzip-writer.js';

export class PgzipBlockEncoder {
  private parts: Uint8Array[] = [];
  private readonly deflater: Level5Deflater;

  constructor(version: KlauspostVersion) {
    const v = KLAUSPOST_VERSIONS[version];
    if (!v) throw new RangeError(`pgzip: klauspost/compress version ${version} is not reproduced`);
    // The bit sink hands over copies it no longer touches, so the parts can be kept (or moved to another thread).
    this.deflater = new Level5Deflater(new KlauspostBlockWriter((b) => this.parts.push(b), v.endOfBlockInReuse));
  }

  /** The deflate bytes of `block` (null dictionary: the first block), in the order they were made. */
  encode(dict: Uint8Array | null, block: Uint8Array, last: boolean): Uint8Array[] {
    this.deflater.resetDict(dict);
    this.deflater.write(block);
    this.deflater.flush();
    if (last) this.deflater.close();
    const out = this.parts;
    this.parts = [];
    return out;
  }
}
