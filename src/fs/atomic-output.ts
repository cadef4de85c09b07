/**
 * Output files that appear whole or not at all: data goes to a temporary name beside the target, flushed to disk,
 * fsynced and size-checked, then renamed over it. On failure (or Ctrl-C) the temporary file is removed; a run
 * killed outright (kill -9) leaves it, under a name carrying its PID, and a later run removes such files once that
 * process is gone (stale-temp.ts). `-` is standard output.
 *
 * Outputs that are not regular files are never replaced: a symlink is followed (the file it points to is replaced,
 * the link stays); a character device or a FIFO (/dev/null, a named pipe) is written through as a stream, with no
 * temporary file (there is nothing to rename); block devices and sockets are refused.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { StowageError } from '../errors.js';
import { errnoOf, fsError, isWriteFailure } from './fs-errors.js';
import { removeStaleTemps, tempName } from './stale-temp.js';
import { refuseInputOverwrite } from './same-file.js';
import { removeOnExit } from './temp.js';

export interface Output {
  /** Where the bytes go. */
  stream: Writable;
  /**
   * For a file output, its descriptor: a writer may write at offsets through it instead of the stream (never
   * both). Absent for standard output and for devices and FIFOs.
   */
  fd?: number;
  /** The final path, or '-' for standard output. */
  path: string;
  /**
   * Finishes writing, checks that the file holds every byte (`size`, when the writer wrote through `fd`; else the
   * bytes handed to the stream), fsyncs it and moves it into place.
   */
  commit(size?: number): Promise<void>;
  /** Drops everything written. */
  abort(): Promise<void>;
  /** The error a failed write to this output gave, in one line naming the output (undefined when none failed). */
  readonly failure: Error | undefined;
}

const NOTHING = 'nothing written';

/** Checks that an output path can be written: its folder exists and it is not a directory. */
export async function checkOutputPath(path: string): Promise<void> {
  if (path === '-') return;
  await checkParent(path);
  try {
    if ((await stat(path)).isDirectory()) throw new StowageError(`${path}: is a directory; give a file name`);
  } catch (e) {
    if (e instanceof StowageError) throw e;
  }
}

/** Checks that the folder an output goes in exists. */
async function checkParent(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new StowageError(`${path}: ${dir} is not a folder`);
  } catch (e) {
    if (e instanceof StowageError) throw e;
    throw new StowageError(`${path}: the folder ${dir} does not exist`);
  }
}

function stdoutOutput(): Output {
  if (process.stdout.isTTY) throw new StowageError('refusing to write an archive to a terminal; redirect standard output or give -o FILE');
  return {
    stream: process.stdout,
    path: '-',
    failure: undefined,
    commit: async () => {
      await new Promise<void>((r) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', () => r()) : r()));
    },
    abort: async () => {},
  };
}

/** What the path names: a regular file (or nothing yet), a stream-only node, or something refused. */
async function classify(path: string): Promise<{ kind: 'file'; target: string } | { kind: 'stream' }> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return { kind: 'file', target: path };
  }
  let target = path;
  if (st.isSymbolicLink()) {
    try {
      target = await realpath(path);
    } catch {
      throw new StowageError(`${path}: is a symlink to nothing (or to a loop); give the file itself`);
    }
    st = await stat(target);
  }
  if (st.isFile()) return { kind: 'file', target };
  if (st.isCharacterDevice() || st.isFIFO()) return { kind: 'stream' };
  if (st.isDirectory()) throw new StowageError(`${path}: is a directory; give a file name`);
  throw new StowageError(`${path}: is a ${st.isBlockDevice() ? 'block device' : 'socket'}; refusing to write an archive to it`);
}

/** A device or FIFO: written through as a stream, never replaced. */
async function streamOutput(path: string): Promise<Output> {
  let failure: Error | undefined;
  const stream = createWriteStream(path, { flags: 'w', highWaterMark: 1 << 20 });
  stream.on('error', (e) => { failure ??= fsError(e, path, NOTHING) as Error; });
  await new Promise<void>((r, j) => { stream.once('open', () => r()); stream.once('error', (e) => j(fsError(e, path))); });
  return {
    stream,
    path,
    get failure() { return failure; },
    commit: async () => {
      await new Promise<void>((r, j) => stream.end((e?: Error | null) => (e || failure ? j(failure ?? fsError(e, path)) : r())));
    },
    abort: async () => {
      stream.destroy();
    },
  };
}

/** Opens a file output (atomic), or standard output for '-'. */
export async function openOutput(path: string): Promise<Output> {
  if (path === '-') return stdoutOutput();
  await checkOutputPath(path);
  refuseInputOverwrite(path);
  const c = await classify(path);
  if (c.kind === 'stream') return streamOutput(path);
  const final = c.target;
  await removeStaleTemps(dirname(resolve(final)));
  const tmp = tempName(final);
  const forget = removeOnExit(tmp);
  let failure: Error | undefined;
  let handed = 0;
  const stream: WriteStream = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 });
  // A write that fails while nobody waits on it must not go unheard (nor crash the process): it is kept and
  // reported by the writer (TarWriter checks `errored`) or by commit.
  stream.on('error', (e) => { failure ??= fsError(e, path, NOTHING) as Error; });
  try {
    await new Promise<void>((r, j) => { stream.once('open', () => r()); stream.once('error', j); });
  } catch (e) {
    forget();
    throw fsError(e, path, `cannot create ${basename(tmp)} in ${dirname(resolve(final))}`);
  }
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    handed += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).length;
    return write(chunk, ...rest);
  }) as WriteStream['write'];
  let closed = false;
  const close = () =>
    new Promise<void>((r, j) => {
      if (closed) return r();
      closed = true;
      if (stream.destroyed) return failure ? j(failure) : r();
      stream.end((e?: Error | null) => (e || failure ? j(failure ?? fsError(e, path, NOTHING)) : r()));
    });
  return {
    stream,
    fd: (stream as unknown as { fd: number }).fd,
    path,
    get failure() { return failure; },
    commit: async (size?: number) => {
      try {
        await close();
        await syncAndCheck(tmp, size ?? handed, path);
        refuseInputOverwrite(path); // an input opened after the output (same-file.ts)
        await rename(tmp, final);
      } catch (e) {
        await rm(tmp, { force: true });
        forget();
        throw fsError(e, path, NOTHING);
      }
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

/** Flushes a written file to disk and checks it holds `size` bytes: a full disk must not pass for a short file. */
async function syncAndCheck(file: string, size: number, what: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
    const got = (await fh.stat()).size;
    if (got !== size) throw new StowageError(`${what}: ${got} bytes reached the disk of the ${size} written (full disk?); ${NOTHING}`);
  } finally {
    await fh.close();
  }
}

/** fsyncs every file under a folder (a layout about to be renamed into place). */
async function syncTree(dir: string): Promise<void> {
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) await syncTree(p);
    else if (ent.isFile()) {
      const fh = await open(p, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
}

/** A directory output (an OCI layout): built under a temporary name, then renamed into place. */
export async function openDirOutput(path: string): Promise<{ dir: string; commit(): Promise<void>; abort(): Promise<void> }> {
  let exists = false;
  try {
    await lstat(path);
    exists = true;
  } catch { /* fine */ }
  if (exists) throw new StowageError(`${path}: already exists and is not an OCI layout; stowage adds images only to an OCI layout (give a new name)`);
  await checkParent(path);
  await removeStaleTemps(dirname(resolve(path)));
  const tmp = tempName(path);
  const forget = removeOnExit(tmp);
  try {
    await mkdir(tmp);
  } catch (e) {
    forget();
    throw fsError(e, path, `cannot create a folder in ${dirname(resolve(path))}`);
  }
  const drop = async () => {
    await rm(tmp, { recursive: true, force: true });
    forget();
  };
  return {
    dir: tmp,
    commit: async () => {
      try {
        await syncTree(tmp);
        await rename(tmp, path);
      } catch (e) {
        await drop();
        const code = errnoOf(e);
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR') {
          throw new StowageError(`${path}: another writer created it while this one was writing; ${NOTHING} (the other output is left as it is)`);
        }
        throw fsError(e, path, NOTHING);
      }
      forget();
    },
    abort: drop,
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
    throw outputError(out, e);
  }
}

/** The error to report for a failed write: the output's own failure in one line when it had one. */
export function outputError(out: Output, e: unknown): unknown {
  if (e instanceof StowageError) return e;
  if (out.failure) return out.failure;
  if (!isWriteFailure(e)) return e;
  return out.path === '-' ? fsError(e, 'standard output') : fsError(e, out.path, NOTHING);
}
