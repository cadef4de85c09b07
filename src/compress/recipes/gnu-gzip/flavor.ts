/**
 * The two encoders the gnu-gzip deflate code reproduces. Vanilla zlib's deflate descends from GNU gzip's and keeps
 * its matcher (table, hash, lazy rule, Huffman construction, block choice); zlib 1.2.13 parts from gzip 1.12 in
 * four places only, each a knob here.
 */
export interface DeflateFlavor {
  /** Symbols after which a block must end: gzip's 32 KiB buffer less one; zlib's at memLevel 8, 16 KiB less one. */
  blockSymbols: number;
  /** gzip's block-end estimate every 4096 symbols at levels 3-9 (zlib has none). */
  estimate: boolean;
  /** zlib stops a match search at the input left when that is under `nice`; gzip searches on. */
  niceCapped: boolean;
  /**
   * zlib keeps sliding its window at the end of the input, so matches go on to the last bytes; gzip stops refilling
   * once its read returns 0, and emits literals from window position 65275 on.
   */
  slidesAtEnd: boolean;
}

export const GNU_GZIP_1_12: DeflateFlavor = { blockSymbols: 0x8000 - 1, estimate: true, niceCapped: false, slidesAtEnd: false };
export const ZLIB_1_2_13: DeflateFlavor = { blockSymbols: 0x4000 - 1, estimate: false, niceCapped: true, slidesAtEnd: true };
