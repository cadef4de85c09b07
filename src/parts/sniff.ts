/**
 * Whether command-line sources are part files (for `verify` and `inspect`, which take many formats): each is a part
 * file, or a folder holding parts and no image (an OCI layout, a docker save folder); or `-`, standard input,
 * starting with a part (peeked at and put back for the reader that follows). Never throws.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PART_FAMILY, looksLikePart } from './format.js';
import { isPartFile } from './head.js';

const IMAGE_FILES = ['oci-layout', 'index.json', 'manifest.json'];

/** A folder holding part files and no image (not an OCI layout or a docker save folder). */
export async function isPartFolder(dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return false;
  }
  if (names.some((n) => IMAGE_FILES.includes(n))) return false;
  for (const n of names.sort()) if (!n.startsWith('.') && (await isPartFile(join(dir, n)))) return true;
  return false;
}

/** True when every source is a part file or a folder of parts (and there is at least one). */
export async function arePartSources(sources: string[]): Promise<boolean> {
  if (!sources.length) return false;
  if (sources.length === 1 && sources[0] === '-') return streamStartsWithPart(process.stdin);
  for (const s of sources) {
    if (s === '-' || /^[a-z-]+:/.test(s)) return false;
    let st;
    try {
      st = await stat(s);
    } catch {
      return false;
    }
    if (st.isDirectory() ? !(await isPartFolder(s)) : !(await isPartFile(s))) return false;
  }
  return true;
}

/** Whether a stream starts like a part; the bytes read to tell are put back (unshift) for the next reader. */
export async function streamStartsWithPart(input: Readable): Promise<boolean> {
  const head: Buffer[] = [];
  let n = 0;
  try {
    while (n < PART_FAMILY.length) {
      const c = input.read() as Buffer | null;
      if (c !== null) {
        head.push(c);
        n += c.length;
        continue;
      }
      if (input.readableEnded || input.destroyed) break;
      const more = await new Promise<boolean>((res) => {
        const done = (v: boolean) => () => { input.off('readable', onR); input.off('end', onE); input.off('error', onE); res(v); };
        const onR = done(true);
        const onE = done(false);
        input.on('readable', onR);
        input.on('end', onE);
        input.on('error', onE);
      });
      if (!more) break;
    }
  } finally {
    if (head.length) input.unshift(Buffer.concat(head));
  }
  return looksLikePart(Buffer.concat(head));
}
