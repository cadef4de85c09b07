/**
 * Layer compression, told from the bytes (never from a file name or a media type, which are often wrong).
 */
import { BLOCK, NotTarError, decodeHeaderBlock, isZeroBlock } from '../tar/header.js';

export type Compression = 'gzip' | 'zstd' | 'none';
export type Sniffed = Compression | 'xz' | 'bzip2' | 'unknown';

/** How many leading bytes `sniff` wants to see (a whole tar header block). */
export const SNIFF_BYTES = BLOCK;

export function sniff(head: Buffer): Sniffed {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length === 0) return 'none'; // an empty file: an empty (if sloppy) layer
  if (head.length >= BLOCK) {
    const block = head.subarray(0, BLOCK);
    if (isZeroBlock(block)) return 'none'; // an empty tar: two zero blocks
    try {
      decodeHeaderBlock(block);
      return 'none';
    } catch (e) {
      // A tar header with a bad field (a negative size) is still tar: the reader names the problem.
      return e instanceof NotTarError ? 'unknown' : 'none';
    }
  }
  return 'unknown';
}

export function describeCompression(c: Sniffed): string {
  switch (c) {
    case 'none': return 'uncompressed tar';
    case 'gzip': return 'gzip';
    case 'zstd': return 'zstd';
    case 'xz': return 'xz (not supported by image specs)';
    case 'bzip2': return 'bzip2 (not supported by image specs)';
    default: return 'unknown (not a tar, gzip or zstd stream)';
  }
}
