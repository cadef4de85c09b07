/**
 * Errors crossing a worker-thread boundary. A worker can post only plain data, so an error is sent as its message
 * plus what kind it was: a StowageError's code, or a system error's errno and syscall; the main thread rebuilds the
 * same kind. A full disk met by a copy thread then reaches the caller as the system error it is (ENOSPC, which the
 * output code words and names), not as Node's raw message in a StowageError; a tampered or truncated layer keeps its
 * code.
 */
import { StowageError, type ErrorCode } from '../errors.js';

export interface ThreadError {
  error: string;
  /** The StowageError's code, when it was one. */
  code?: ErrorCode;
  stowage?: boolean;
  /** A system error's errno code (ENOSPC) and syscall (write). */
  errno?: string;
  syscall?: string;
}

/** What a worker posts for an error; `stowage` forces a plain Error to count as a StowageError (bad input). */
export function threadError(e: unknown, stowage = false): ThreadError {
  if (e instanceof StowageError) return { error: e.message, code: e.code, stowage: true };
  const err = e as NodeJS.ErrnoException | undefined;
  const message = err instanceof Error ? err.message : String(e);
  if (typeof err?.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) {
    return { error: message, errno: err.code, ...(err.syscall ? { syscall: err.syscall } : {}) };
  }
  return { error: message, stowage };
}

/** The error a worker reported, rebuilt on this thread. */
export function errorFromThread(m: ThreadError, fallback: ErrorCode = 'invalid'): Error {
  if (m.errno) return Object.assign(new Error(m.error), { code: m.errno, ...(m.syscall ? { syscall: m.syscall } : {}) });
  if (m.stowage) return new StowageError(m.error, { code: m.code ?? fallback });
  return new Error(m.error);
}
