/**
 * Whether command-line sources are part files (for `verify` and `inspect`, which take many formats): each is a part
 * file, or a folder holding parts and no image (an OCI layout, a docker save folder). Never throws.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPartFile } from './head.js';

const IMAGE_FILES = ['oci-layout', 'index.json', 'manifest.json'];

async function isPartFolder(dir: string): Promise<boolean> {
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
