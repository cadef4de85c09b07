/**
 * Temporary files and folders that never outlive the process: removed when their owner is done, and on exit or on
 * Ctrl-C / SIGTERM / SIGHUP whatever happens (an atomic output's partial file, a spooled standard input, a layer
 * being built). One registry for the whole process, so one signal handler removes them all.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TMP_HINT, fsError } from './fs-errors.js';
import { removeStaleTempDirs } from './stale-temp.js';

const live = new Set<string>();
let hooked = false;

function removeAll(): void {
  // Synchronous: the process is about to exit.
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      removeAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Removes `path` on exit or on a signal, until the returned function is called (it is then the caller's). */
export function removeOnExit(path: string): () => void {
  hook();
  live.add(path);
  return () => {
    live.delete(path);
  };
}

/**
 * A new temporary folder (in $STOWAGE_TMPDIR or the system's), removed by `remove()` or on exit. Its name carries
 * this run's PID (`stowage-KIND-PID-XXXXXX`), so a later run removes it if this one is killed outright.
 */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const parent = process.env.STOWAGE_TMPDIR ?? tmpdir();
  await removeStaleTempDirs(parent);
  let dir: string;
  try {
    dir = await mkdtemp(join(parent, `${prefix}${process.pid}-`));
  } catch (e) {
    throw fsError(e, `temporary folder ${parent}`, TMP_HINT);
  }
  const forget = removeOnExit(dir);
  return {
    dir,
    remove: async () => {
      // Forgotten only once gone: a process that exits while the removal runs (a reader that went away, a full
      // standard output) removes it again on exit, instead of leaving it half removed.
      await rm(dir, { recursive: true, force: true });
      forget();
    },
  };
}
