/**
 * One part's payload read from its file and proved against its trailer: the bytes are yielded as they are read and
 * hashed, and the part's sha256 is checked when its last byte has passed, so a damaged part fails before the reader
 * moves on to the next (the consumer stages what it received, as every stowage writer does).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import { fsError } from '../fs/fs-errors.js';
import { HEADER_SIZE, TRAILER_SIZE, decodeTrailer, sha256, shortSet } from './format.js';
import { readPartHead, sizeProblem, type PartFile } from './head.js';

const CHUNK = 1 << 20;

/** Checks a trailer against its header and the payload's hash; throws one line naming `what`. */
export function checkTrailer(trailer: Buffer, headerBytes: Buffer, payloadSha: Buffer, what: string): string {
  const t = decodeTrailer(trailer);
  if (!t) throw new StowageError(`${what}: damaged (its last ${TRAILER_SIZE} bytes are not a part trailer)`, { code: 'tampered' });
  if (t.headerDigest !== `sha256:${sha256(headerBytes).toString('hex')}`) throw new StowageError(`${what}: damaged (its trailer is another part's: it names another header)`, { code: 'tampered' });
  const got = `sha256:${payloadSha.toString('hex')}`;
  if (t.payloadDigest !== got) throw new StowageError(`${what}: damaged (sha256 of its payload is ${shortSet(got)}, its trailer says ${shortSet(t.payloadDigest)})`, { code: 'tampered' });
  return got;
}

/**
 * Yields a part's payload and proves it at its end. `part` is the header a scan read: the file must still hold it
 * (a file swapped after the scan is refused). Returns the payload's sha256.
 */
export async function* partPayload(part: PartFile): AsyncGenerator<Buffer, string> {
  let fh;
  try {
    fh = await open(part.file, 'r');
  } catch (e) {
    throw fsError(e, part.file);
  }
  try {
    const head = Buffer.alloc(HEADER_SIZE);
    await read(fh, head, 0, part.file);
    if (!head.equals(part.headerBytes)) throw new StowageError(`${part.file}: changed since its header was read`, { code: 'tampered' });
    const hash = createHash('sha256');
    let at = HEADER_SIZE;
    const end = HEADER_SIZE + part.length;
    while (at < end) {
      const b = Buffer.allocUnsafe(Math.min(CHUNK, end - at));
      const n = await read(fh, b, at, part.file);
      if (n < b.length) throw new StowageError(`${part.file}: truncated (ends at byte ${at + n} of ${end + TRAILER_SIZE})`, { code: 'truncated' });
      hash.update(b);
      at += n;
      yield b;
    }
    const trailer = Buffer.alloc(TRAILER_SIZE);
    const n = await read(fh, trailer, end, part.file);
    if (n < TRAILER_SIZE) throw new StowageError(`${part.file}: truncated (ends at byte ${end + n} of ${end + TRAILER_SIZE})`, { code: 'truncated' });
    return checkTrailer(trailer, head, hash.digest(), part.file);
  } finally {
    await fh.close();
  }
}

async function read(fh: import('node:fs/promises').FileHandle, b: Buffer, pos: number, file: string): Promise<number> {
  let got = 0;
  try {
    while (got < b.length) {
      const { bytesRead } = await fh.read(b, got, b.length - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  } catch (e) {
    throw fsError(e, file);
  }
  return got;
}

/** What checking one part alone found. */
export interface PartCheck {
  file: string;
  /** The header, when it could be read. */
  head?: PartFile;
  /** The payload's sha256, when the part proved whole. */
  payloadDigest?: string;
  ok: boolean;
  /** One line, when not ok. */
  problem?: string;
  code?: StowageError['code'];
}

/** Checks one part file alone: header, size and checksum (every byte read once). */
export async function checkPart(file: string, opts: { checksum?: boolean } = {}): Promise<PartCheck> {
  let head: PartFile;
  try {
    head = await readPartHead(file);
  } catch (e) {
    if (e instanceof StowageError) return { file, ok: false, problem: e.message, code: e.code };
    throw e;
  }
  const sp = sizeProblem(head);
  if (sp) return { file, head, ok: false, problem: sp.message, code: sp.code };
  if (opts.checksum === false) return { file, head, ok: true };
  try {
    const it = partPayload(head);
    let r = await it.next();
    while (!r.done) r = await it.next();
    return { file, head, ok: true, payloadDigest: r.value };
  } catch (e) {
    if (e instanceof StowageError) return { file, head, ok: false, problem: e.message, code: e.code };
    throw e;
  }
}
