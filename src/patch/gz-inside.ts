/**
 * gzip files inside layers (a Debian package's changelog.gz and man pages): a small change to the text moves every
 * compressed byte after it, so a delta of the .gz files finds nothing. The patch codes the decompressed content
 * against the old file's decompressed content instead, and records which reproducible encoder makes the new file's
 * exact bytes from its content again. Only files such an encoder reproduces bit for bit are coded this way (the
 * encoder checks before it chooses), and both sides are bounded in size, so memory is too.
 */
import { gunzipSync } from 'node:zlib';
import { GnuGzipWriter } from '../compress/recipes/gnu-gzip/gzip-writer.js';
import { ZLIB_1_2_13 } from '../compress/recipes/gnu-gzip/flavor.js';
import { readGzipHeader } from '../compress/recipes/candidates.js';

/** Decompressed content of a gzip file coded this way, at most (both the new and the old file). */
export const GZ_CONTENT_MAX = 16 << 20;
/** A compressed file over this is not tried (the content bound caps it anyway; this spares reading it). */
export const GZ_FILE_MAX = 16 << 20;

/**
 * The recipe, as one number in the operation list: 1-9 GNU gzip 1.12 `-N -n` (Debian's dh_compress runs `gzip -9n`),
 * 11-19 zlib 1.2.13 at level N-10 (Python's gzip module with mtime 0, libarchive). Both write mtime 0, no name, OS 3.
 */
export function recipeName(code: number): string | undefined {
  if (code >= 1 && code <= 9) return `GNU gzip 1.12 -${code}n`;
  if (code >= 11 && code <= 19) return `zlib 1.2.13 level ${code - 10}`;
  return undefined;
}

/** The content of a single gzip stream, or null when it is not one or decompresses past the bound. */
export function gunzipBounded(gz: Buffer): Buffer | null {
  try {
    return gunzipSync(gz, { maxOutputLength: GZ_CONTENT_MAX });
  } catch {
    return null;
  }
}

/** `content` compressed by recipe `code` (synchronous: the content is bounded). */
export function gzipByRecipe(code: number, content: Buffer): Buffer {
  const parts: Uint8Array[] = [];
  const w = code <= 9 ? new GnuGzipWriter(code, (b) => parts.push(b.slice())) : new GnuGzipWriter(code - 10, (b) => parts.push(b.slice()), ZLIB_1_2_13);
  w.write(content);
  w.end();
  return Buffer.concat(parts);
}

/**
 * The recipe that makes `gz` exactly from `content`, or 0: the header's XFL names the level (2: 9, 4: 1, 0: 2-8,
 * 6 first), GNU gzip first, then zlib. Only headers with mtime 0, no flags and OS 3 are tried.
 */
export function findGzRecipe(gz: Buffer, content: Buffer): number {
  const h = readGzipHeader(gz);
  if (!h || h.flags !== 0 || h.mtime !== 0 || h.os !== 3) return 0;
  const levels = h.xfl === 2 ? [9] : h.xfl === 4 ? [1] : h.xfl === 0 ? [6, 2, 3, 4, 5, 7, 8] : [];
  for (const level of levels) {
    for (const code of [level, 10 + level]) {
      // The size is known before the bytes: a cheap first test, then the whole comparison.
      const out = gzipByRecipe(code, content);
      if (out.length === gz.length && out.equals(gz)) return code;
    }
  }
  return 0;
}
