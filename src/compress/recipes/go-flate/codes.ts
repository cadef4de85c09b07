/**
 * Deflate's symbol alphabets (RFC 1951 3.2.5): which length symbol and which distance symbol a match uses, and the
 * extra bits after each. Tables are built here from the RFC's base values; a match is kept as a token in an Int32:
 * literals are their byte value (256 is the end-of-block symbol), matches are MATCH | (length - 3) << 22 | (distance - 1).
 */
export const MATCH = 1 << 30;
export const END_OF_BLOCK = 256;
/** Literal/length symbols that can appear (0-285) and distance symbols (0-29). */
export const LITERAL_SYMBOLS = 286;
export const DISTANCE_SYMBOLS = 30;
export const FIRST_LENGTH_SYMBOL = 257;

export function matchToken(length: number, distance: number): number {
  return MATCH | ((length - 3) << 22) | (distance - 1);
}

/** For each of the 29 length symbols, the smallest length - 3 it stands for and its extra bits. */
export const LENGTH_BASE = new Int32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 255]);
export const LENGTH_EXTRA = new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
/** For each of the 30 distance symbols, the smallest distance - 1 it stands for and its extra bits. */
export const DISTANCE_BASE = new Int32Array(30);
export const DISTANCE_EXTRA = new Int32Array(30);
for (let c = 0, base = 0; c < 30; c++) {
  const extra = c < 4 ? 0 : (c >> 1) - 1;
  DISTANCE_BASE[c] = base;
  DISTANCE_EXTRA[c] = extra;
  base += 1 << extra;
}

/** length - 3 (0-255) -> length symbol index (0-28); 258 is symbol 28 although symbol 27 could also spell it. */
export const LENGTH_CODE = new Uint8Array(256);
for (let c = 0; c < 29; c++) {
  const end = c === 28 ? 256 : LENGTH_BASE[c + 1];
  for (let x = LENGTH_BASE[c]; x < end; x++) LENGTH_CODE[x] = c;
}

/** distance - 1 (0-32767) -> distance symbol. */
export const DISTANCE_CODE = new Uint8Array(32768);
for (let c = 0; c < 30; c++) {
  const end = c === 29 ? 32768 : DISTANCE_BASE[c + 1];
  DISTANCE_CODE.fill(c, DISTANCE_BASE[c], end);
}

/** Counts a match into a block's symbol counts. */
export function countMatch(lf: Int32Array, df: Int32Array, length: number, distance: number): void {
  lf[FIRST_LENGTH_SYMBOL + LENGTH_CODE[length - 3]]++;
  df[DISTANCE_CODE[distance - 1]]++;
}

/** The order in which a dynamic block header lists the code lengths of the code-length alphabet. */
export const CODEGEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
