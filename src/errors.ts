/**
 * Errors that reach the user. Every failure stowage expects (bad input, a missing file, a digest that does not
 * match) is a StowageError: the CLI prints its message on one line and exits with its code, never a stack trace.
 */
export class StowageError extends Error {
  /** 1: the input or the environment is wrong; 2: the command line is wrong. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'StowageError';
    this.exitCode = exitCode;
  }
}

/** A command-line mistake: exit status 2, like commander's own usage errors. */
export class UsageError extends StowageError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The input ended before the format said it would. */
export class TruncatedError extends StowageError {
  constructor(what: string) {
    super(`${what}: truncated (the data ends before the tar headers say it should)`);
    this.name = 'TruncatedError';
  }
}
