/**
 * A reader of standard output that goes away (`| head -c 1`) is not an error (docs/limits.md): the command exits 0,
 * whichever comes first, the writer's EPIPE or standard output's own error event (main.ts handles the latter). Other
 * failures, and an EPIPE when the output is not standard output (an engine's socket), stay errors.
 */
import { StowageError } from '../errors.js';
import { errnoOf } from '../fs/fs-errors.js';

function readerWentAway(e: unknown): boolean {
  return errnoOf(e) === 'EPIPE' || (e instanceof StowageError && /\(EPIPE\)$/.test(e.message));
}

/** Runs a command whose output is `output`; exits 0 when that is standard output and its reader went away. */
export async function toOutput(output: string | undefined, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    // Temporary folders are removed by the exit hook (src/fs/temp.ts).
    if (output === '-' && readerWentAway(e)) process.exit(0);
    throw e;
  }
}
