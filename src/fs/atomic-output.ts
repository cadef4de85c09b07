/**
 * Output files that appear whole or not at all: data goes to a temporary name beside the target, renamed over it
 * only once everything was written. On failure (or Ctrl-C) the temporary file is removed. `-` is standard output.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { StowageError } from '../errors.js';
import { refuseInputOverwrite } from './same-file.js';
import { removeOnExit } from './temp.js';

export interface Output {
  /** Where the bytes go. */
  stream: Writable;
  /**
   * For a file output, its descriptor: a writer may write at offsets through it instead of the stream (never
   * both). Absent for standard output.
   */
  fd?: number;
  /** The final path, or '-' for standard output. */
  path: string;
  /** Finishes writing and moves the file into place. */
  commit(): Promise<void>;
  /** Drops everything written. */
  abort(): Promise<void>;
}

/** Checks that an output path can be written: its folder exists and it is not a directory. */
export async function checkOutputPath(path: string): Promise<void> {
  if (path === '-') return;
  const dir = dirname(resolve(path));
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new StowageError(`${path}: ${dir} is not a folder`);
  } catch (e) {
    if (e instanceof StowageError) throw e;
    throw new StowageError(`${path}: the folder ${dir} does not exist`);
  }
  try {
    if ((await stat(path)).isDirectory()) throw new StowageError(`${path}: is a directory; give a file name`);
  } catch (e) {
    if (e instanceof StowageError) throw e;
  }
}

function tempName(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.stowage-${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Opens a file output (atomic), or standard output for '-'. */
export async function openOutput(path: string): Promise<Output> {
  if (path === '-') {
    if (process.stdout.isTTY) throw new StowageError('refusing to write an archive to a terminal; redirect standard output or give -o FILE');
    return {
      stream: process.stdout,
      path,
      commit: async () => {
        await new Promise<void>((r) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', () => r()) : r()));
      },
      abort: async () => {},
    };
  }
  await checkOutputPath(path);
  refuseInputOverwrite(path);
  const tmp = tempName(path);
  const forget = removeOnExit(tmp);
  const stream: WriteStream = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 });
  await new Promise<void>((r, j) => { stream.once('open', () => r()); stream.once('error', j); });
  let closed = false;
  const close = () =>
    new Promise<void>((r, j) => {
      if (closed) return r();
      closed = true;
      stream.once('error', j);
      stream.end(() => r());
    });
  return {
    stream,
    fd: (stream as unknown as { fd: number }).fd,
    path,
    commit: async () => {
      await close();
      refuseInputOverwrite(path); // an input opened after the output (same-file.ts)
      await rename(tmp, path);
      forget();
    },
    abort: async () => {
      // A write still in flight reports ERR_STREAM_DESTROYED after this: nobody wants it any more.
      stream.on('error', () => undefined);
      stream.destroy();
      await rm(tmp, { force: true });
      forget();
    },
  };
}

/** A directory output (an OCI layout): built under a temporary name, then renamed into place. */
export async function openDirOutput(path: string): Promise<{ dir: string; commit(): Promise<void>; abort(): Promise<void> }> {
  let exists = false;
  try {
    await stat(path);
    exists = true;
  } catch { /* fine */ }
  if (exists) throw new StowageError(`${path}: already exists and is not an OCI layout; stowage adds images only to an OCI layout (give a new name)`);
  await checkOutputPath(path);
  const tmp = tempName(path);
  const forget = removeOnExit(tmp);
  await mkdir(tmp);
  return {
    dir: tmp,
    commit: async () => {
      await rename(tmp, path);
      forget();
    },
    abort: async () => {
      await rm(tmp, { recursive: true, force: true });
      forget();
    },
  };
}

/** Runs `work` against an output, committing on success and removing every trace on failure. */
export async function withOutput<T>(path: string, work: (out: Output) => Promise<T>): Promise<T> {
  const out = await openOutput(path);
  try {
    const r = await work(out);
    await out.commit();
    return r;
  } catch (e) {
    await out.abort();
    throw e;
  }
}
