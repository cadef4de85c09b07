/**
 * The codes every deflate block writer here needs ready-made: the fixed Huffman codes of RFC 1951 3.2.6, and the
 * distance code a block of literals alone declares (symbol 0 with one bit: a dynamic header must list at least one
 * distance length).
 */
import { DISTANCE_SYMBOLS } from '../go-flate/codes.js';
import { HuffmanCode } from '../go-flate/huffman.js';

// Over all 288 symbols of RFC 1951 3.2.6 (286 and 287 never occur but take codes), so the 9-bit codes come out right.
const fixedLengths = new Uint8Array(288);
for (let i = 0; i < 288; i++) fixedLengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;

export const FIXED_LITERALS = HuffmanCode.fromLengths(fixedLengths);
export const FIXED_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCE_SYMBOLS).fill(5));
export const LITERALS_ONLY_DISTANCES = HuffmanCode.fromLengths(new Uint8Array(DISTANCE_SYMBOLS).fill(0, 1).fill(1, 0, 1));
