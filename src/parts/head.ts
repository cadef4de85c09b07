/**
 * A part file's header and size, read without touching its payload: the cheap first look every reader takes.
 */
import { open, stat } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import { fsError } from '../fs/fs-errors.js';
import { noteInput } from '../fs/same-file.js';
import { HEADER_SIZE, PART_FAMILY, decodeHeader, looksLikePart, partFileSize, type PartHeader } from './format.js';

/** A part file as its header describes it. */
export interface PartFile extends PartHeader {
  file: string;
  /** The file's size on disk. */
  size: number;
  /** The 128 header bytes as read (a later read checks they did not change). */
  headerBytes: Buffer;
  dev: number;
  ino: number;
}

/** Reads a part's header and size; one line naming the file when it is not a part or not a whole one. */
export async function readPartHead(file: string): Promise<PartFile> {
  let fh;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new StowageError(`${file}: is a folder, not a part file`);
    if (!st.isFile()) throw new StowageError(`${file}: not a regular file; a part is a file`);
    fh = await open(file, 'r');
  } catch (e) {
    throw fsError(e, file);
  }
  try {
    noteInput(file);
    const st = await fh.stat();
    const b = Buffer.alloc(HEADER_SIZE);
    const { bytesRead } = await fh.read(b, 0, HEADER_SIZE, 0);
    const h = decodeHeader(b.subarray(0, bytesRead), file);
    return { ...h, file, size: st.size, headerBytes: b, dev: st.dev, ino: st.ino };
  } catch (e) {
    throw fsError(e, file);
  } finally {
    await fh.close();
  }
}

/** Why a part's size is not the one its header gives, or undefined when it is right. */
export function sizeProblem(p: PartFile): { message: string; code: 'truncated' | 'invalid' } | undefined {
  const want = partFileSize(p.length);
  if (p.size < want) return { message: `${p.file}: truncated (${p.size} of ${want} bytes)`, code: 'truncated' };
  if (p.size > want) return { message: `${p.file}: ${p.size} bytes, ${p.size - want} more than its header says (not a part as written)`, code: 'invalid' };
  return undefined;
}

/** Whether a file starts like a part (a sniff for commands that take many formats); never throws. */
export async function isPartFile(file: string): Promise<boolean> {
  try {
    // Only a regular file: opening a FIFO would wait for its writer.
    if (!(await stat(file)).isFile()) return false;
    const fh = await open(file, 'r');
    try {
      const b = Buffer.alloc(PART_FAMILY.length);
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      return looksLikePart(b.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}
