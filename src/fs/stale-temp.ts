/**
 * Temporary outputs carry the PID of the run that made them (`.NAME.stowage-PID-RANDOM.tmp` beside an output,
 * `stowage-KIND-PID-RANDOM` in the temporary folder), so a run killed outright (kill -9, a power cut) can be
 * cleaned up after: the next run that writes into the same folder removes the ones whose process is gone. Only
 * stowage's own names are touched, and never one whose PID is alive (it may be a run still writing).
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const BESIDE = /^\..+\.stowage-(\d+)-[a-z0-9]+\.tmp$/;
const IN_TMP = /^stowage-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;

/** The temporary name an output is written under, beside its final name. */
export function tempName(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.stowage-${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const cleaned = new Set<string>();

async function sweep(dir: string, pattern: RegExp): Promise<void> {
  if (cleaned.has(dir)) return;
  cleaned.add(dir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Removes stale temporary outputs of dead stowage runs in `dir` (once per folder per run). */
export function removeStaleTemps(dir: string): Promise<void> {
  return sweep(dir, BESIDE);
}

/** Removes stale temporary folders of dead stowage runs in the temporary folder `dir`. */
export function removeStaleTempDirs(dir: string): Promise<void> {
  return sweep(dir, IN_TMP);
}
