/**
 * Whether a bare path (or `-`) names a patch delta or a bundle's parts. Every open of a bare path asks this before
 * the file-tree formats are tried, so a regular file costs one stat and one read of its first bytes, looked at for
 * both kinds at once.
 */
import { open, stat } from 'node:fs/promises';
import { isPatchDelta, startsLikePatchDelta } from '../../patch/read-delta.js';
import { PART_FAMILY, looksLikePart } from '../../parts/format.js';
import { arePartSources, isPartFolder } from '../../parts/sniff.js';

const HEAD = Math.max(100, PART_FAMILY.length);

export async function isDeltaOrParts(path: string): Promise<boolean> {
  // Standard input is peeked at and put back by each sniff; a transport prefix is never a delta.
  if (path === '-') return (await isPatchDelta(path)) || (await arePartSources([path]));
  if (/^[a-z-]+:/.test(path)) return false;
  let st;
  try {
    st = await stat(path);
  } catch {
    return false;
  }
  if (st.isDirectory()) return isPartFolder(path);
  // Only a regular file: opening a FIFO would wait for its writer, and reading a pipe's head would take bytes from
  // the reader that follows.
  if (!st.isFile()) return false;
  try {
    const fh = await open(path, 'r');
    try {
      const b = Buffer.alloc(HEAD);
      const { bytesRead } = await fh.read(b, 0, HEAD, 0);
      const head = b.subarray(0, bytesRead);
      return startsLikePatchDelta(head) || looksLikePart(head);
    } finally {
      await fh.close();
    }
  } catch {
    return false; // unreadable: the ordinary reader says what it is
  }
}
