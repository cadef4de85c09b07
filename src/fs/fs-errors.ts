/**
 * System errors in words, naming the place they hit: a full disk, a read-only folder or another writer racing for
 * the same output must give one line that says which file or folder and what to do, never a raw Node message or
 * "internal error".
 */
import { StowageError } from '../errors.js';

const WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the filesystem',
  EROFS: 'read-only filesystem',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  ENAMETOOLONG: 'name too long',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  EEXIST: 'already exists',
  ENOTEMPTY: 'already exists and is not empty',
  EPIPE: 'the reader went away',
  ENXIO: 'no reader on the other side',
  EINVAL: 'invalid argument',
};

/** The errno code of a Node system error, if it is one. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** A system error in words: "no space left on the device (ENOSPC)". */
export function fsWords(e: unknown): string | undefined {
  const code = errnoOf(e);
  if (!code) return undefined;
  return `${WORDS[code] ?? ((e as Error).message.split(',')[0] ?? code).replace(/^E[A-Z0-9]+: /, '')} (${code})`;
}

/**
 * Rewrites a system error as a StowageError about `where` (with `hint` appended); anything else is returned as it
 * is, so callers can `throw fsError(e, ...)` in a catch.
 */
export function fsError(e: unknown, where: string, hint = ''): unknown {
  if (e instanceof StowageError) return e;
  const words = fsWords(e);
  if (!words) return e;
  return new StowageError(`${where}: ${words}${hint ? `; ${hint}` : ''}`);
}

/** Errors only a write gives (so an output that failed them is to blame, not an input). */
export function isWriteFailure(e: unknown): boolean {
  const code = errnoOf(e);
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' || code === 'EROFS';
}

/** The hint for a temporary folder that failed. */
export const TMP_HINT = 'set STOWAGE_TMPDIR to a folder with room';
