/**
 * Errors that reach the user. Every failure stowage expects (bad input, a missing file, a digest that does not
 * match) is a StowageError: the CLI prints its message on one line and exits with its exit code, never a stack
 * trace. Each carries a `code` saying what kind of failure it is, so callers (the CLI, a library user, a retry
 * loop) decide by the code and never by the message's words, which are for people and may change.
 */

/**
 * What kind of failure an error is. A small set, chosen from how errors are used:
 *   usage         the command line, or a library call's options or edit request, is wrong (exit 2)
 *   invalid       an input is not what its format says (bad JSON, a bad reference, a missing field); the default
 *   corrupt       encoded data cannot be decoded (gzip or zstd data, a tar header, a patch stream)
 *   truncated     the data ends before its format says it should
 *   tampered      bytes do not match the digest, size or DiffID that names them
 *   not-found     a named file, image, tag or blob does not exist
 *   unsupported   a well-formed input stowage does not handle (another digest algorithm, a media type)
 *   limit         an input is over one of stowage's limits (src/limits.ts): refused before memory runs out
 *   no-space      the output's filesystem is full (or over quota)
 *   write-failed  an output could not be written for another reason (closed, read-only, permission)
 *   auth          a registry refused the credentials, or asked for some and there were none
 *   network       a peer (registry, engine) could not be reached or broke off
 *   engine        the Docker engine answered with an error
 *   reported      the command has already printed why it failed (verify's report): exit without another line
 */
export type ErrorCode =
  | 'usage' | 'invalid' | 'corrupt' | 'truncated' | 'tampered' | 'not-found' | 'unsupported' | 'limit'
  | 'no-space' | 'write-failed' | 'auth' | 'network' | 'engine' | 'reported';

export const ERROR_CODES: readonly ErrorCode[] = [
  'usage', 'invalid', 'corrupt', 'truncated', 'tampered', 'not-found', 'unsupported', 'limit',
  'no-space', 'write-failed', 'auth', 'network', 'engine', 'reported',
];

export interface ErrorOptions {
  /** Default: 'usage' for exit status 2, else 'invalid'. */
  code?: ErrorCode;
  /** 1 (the default): the input or the environment is wrong; 2: the command line is wrong. */
  exitCode?: number;
}

export class StowageError extends Error {
  /** 1: the input or the environment is wrong; 2: the command line is wrong. */
  readonly exitCode: number;
  readonly code: ErrorCode;
  /** `opts` may be the exit code alone, as it was before codes. */
  constructor(message: string, opts: number | ErrorOptions = {}) {
    super(message);
    const o = typeof opts === 'number' ? { exitCode: opts } : opts;
    this.name = 'StowageError';
    this.exitCode = o.exitCode ?? 1;
    this.code = o.code ?? (this.exitCode === 2 ? 'usage' : 'invalid');
  }
}

/** Whether `e` is a StowageError of this code (or of one of these codes). */
export function hasCode(e: unknown, ...codes: ErrorCode[]): e is StowageError {
  return e instanceof StowageError && codes.includes(e.code);
}

/** A command-line mistake: exit status 2, like commander's own usage errors. */
export class UsageError extends StowageError {
  constructor(message: string) {
    super(message, { code: 'usage', exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** The input ended before the format said it would. */
export class TruncatedError extends StowageError {
  constructor(what: string) {
    super(`${what}: truncated (the data ends before the tar headers say it should)`, { code: 'truncated' });
    this.name = 'TruncatedError';
  }
}

/** A failure the command has already reported in full (a verify report with problems): exit 1, print nothing more. */
export class ReportedFailure extends StowageError {
  constructor(what = 'verification failed') {
    super(what, { code: 'reported' });
    this.name = 'ReportedFailure';
  }
}
