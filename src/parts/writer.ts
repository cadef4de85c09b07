/**
 * Writes a byte stream as a part set: `OUT.001`, `OUT.002`, ... none over the part size. Each part is written under
 * a temporary name beside its final one, hashed as it is written, and fsynced when full; the set appears only at
 * commit, once every part is complete, and abort (or a failure, or Ctrl-C) removes every temporary part. Memory:
 * one chunk in flight. The whole payload's length is given up front, so every header knows the count.
 */
import { createHash, type Hash } from 'node:crypto';
import { link, lstat, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { StowageError, UsageError } from '../errors.js';
import { errnoOf, fsError } from '../fs/fs-errors.js';
import { refuseInputOverwrite } from '../fs/same-file.js';
import { removeStaleTemps, tempName } from '../fs/stale-temp.js';
import { removeOnExit } from '../fs/temp.js';
import {
  MAX_PARTS, MIN_PART_SIZE, checkSetId, encodeHeader, encodeTrailer, headerFor, looksLikePart, partFileSize, partLayout, partName,
  type PartHeader,
} from './format.js';

export interface PartWriteOptions {
  /** The largest a part file may be, header and trailer included (parsePartSize reads `4.7GB`). */
  partSize: number;
  /** The whole payload's length: exactly this many bytes must be written. */
  total: number;
  /** `sha256:<hex>` naming the set (the bundle's index digest), so a part of another set is told apart. */
  setId: string;
  /** Replace an existing part set of the same name (its parts beyond the new count are removed). */
  overwrite?: boolean;
}

/** What was written. */
export interface PartSetWritten {
  setId: string;
  count: number;
  partPayload: number;
  total: number;
  /** The final names, part 1 first. */
  files: string[];
}

/** A part set being written: an `Output` (src/fs/atomic-output.ts) in shape, so a writer of one file can write parts. */
export interface PartOutput {
  /** Where the payload bytes go. */
  stream: Writable;
  /** OUT, the name the parts are numbered after. */
  path: string;
  /** The final names of the parts, part 1 first. */
  files: readonly string[];
  /** Checks every part is complete, then moves them all into place. */
  commit(): Promise<void>;
  /** Removes every part written. */
  abort(): Promise<void>;
  /** The error a failed write gave, in one line naming the part file (undefined when none failed). */
  readonly failure: Error | undefined;
  /** What was written (after commit). */
  readonly written: PartSetWritten | undefined;
}

const NOTHING = 'no part written';

/** The part files of set `out` already in its folder (any number of digits). */
export async function existingParts(out: string): Promise<string[]> {
  const dir = dirname(resolve(out));
  const base = basename(out);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(`${base}.`) && /^\d{3,}$/.test(n.slice(base.length + 1))).sort().map((n) => join(dirname(out), n));
}

function checkOptions(out: string, o: PartWriteOptions): { partPayload: number; count: number } {
  if (out === '-') throw new UsageError('-: standard output is not a part set; parts are files (give -o OUT to write OUT.001, OUT.002, ...), or leave out the part size to write one stream');
  if (!out) throw new UsageError('a part set needs a name (OUT, for OUT.001, OUT.002, ...)');
  if (!Number.isSafeInteger(o.partSize) || o.partSize < MIN_PART_SIZE) throw new UsageError(`part size must be a whole number of bytes, at least ${MIN_PART_SIZE}, not ${o.partSize}`);
  if (!Number.isSafeInteger(o.total) || o.total < 0) throw new UsageError(`payload length must be a whole number of bytes, not ${o.total}`);
  checkSetId(o.setId);
  const layout = partLayout(o.total, o.partSize);
  if (layout.count > MAX_PARTS) {
    throw new StowageError(`${out}: ${o.total} bytes in parts of ${o.partSize} would make ${layout.count} parts; a set has at most ${MAX_PARTS}: give a larger part size`, { code: 'limit' });
  }
  return layout;
}

async function checkFolder(out: string, overwrite: boolean): Promise<void> {
  const dir = dirname(resolve(out));
  try {
    if (!(await stat(dir)).isDirectory()) throw new StowageError(`${out}: ${dir} is not a folder`);
  } catch (e) {
    if (e instanceof StowageError) throw e;
    throw new StowageError(`${out}: the folder ${dir} does not exist`, { code: 'not-found' });
  }
  try {
    if ((await stat(out)).isDirectory()) throw new UsageError(`${out}: is a folder; give the name the parts are numbered after (OUT for OUT.001, ...), e.g. ${join(out, 'bundle')}`);
  } catch (e) {
    if (e instanceof StowageError) throw e;
  }
  const there = await existingParts(out);
  // Replacing a set replaces or removes every part of the old one: none may be one of the command's inputs.
  if (overwrite) return there.forEach((f) => refuseInputOverwrite(f));
  if (there.length) throw new StowageError(`${there[0]}: already exists (a part set is there); refusing to replace it: remove it or choose another name`, { code: 'write-failed' });
}

/** One part being written. */
interface Current {
  header: PartHeader;
  headerBytes: Buffer;
  fh: FileHandle;
  tmp: string;
  hash: Hash;
  left: number;
}

/** Opens a part set for writing. Nothing appears under the final names before commit. */
export async function openPartOutput(out: string, o: PartWriteOptions): Promise<PartOutput> {
  const { partPayload, count } = checkOptions(out, o);
  await checkFolder(out, !!o.overwrite);
  const files = Array.from({ length: count }, (_, i) => partName(out, i + 1, count));
  for (const f of files) refuseInputOverwrite(f);
  await removeStaleTemps(dirname(resolve(out)));
  const temps: string[] = [];
  const forgets: (() => void)[] = [];
  let cur: Current | undefined;
  let next = 1;
  let written = 0;
  let failure: Error | undefined;
  let done: PartSetWritten | undefined;

  const fail = (e: unknown, file: string): Error => {
    failure ??= fsError(e, file, NOTHING) as Error;
    return failure;
  };

  const startPart = async (): Promise<Current> => {
    const header = headerFor(o.setId, next, o.total, partPayload);
    const file = files[next - 1]!;
    const tmp = tempName(file);
    forgets.push(removeOnExit(tmp));
    temps.push(tmp);
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'wx');
    } catch (e) {
      throw fail(e, file);
    }
    const headerBytes = encodeHeader(header);
    const c: Current = { header, headerBytes, fh, tmp, hash: createHash('sha256'), left: header.length };
    cur = c;
    next++;
    await writeAll(c, headerBytes, file);
    return c;
  };

  const writeAll = async (c: Current, b: Buffer, file: string): Promise<void> => {
    try {
      let at = 0;
      while (at < b.length) at += (await c.fh.write(b, at, b.length - at)).bytesWritten;
    } catch (e) {
      throw fail(e, file);
    }
  };

  // A full part is fsynced while the next is written (a full disk shows there at the latest, naming this part, not
  // as a short file later); at most two syncs wait at a time, and commit waits for them all.
  const syncing: Promise<Error | undefined>[] = [];
  const settle = async (): Promise<void> => {
    const e = await syncing.shift();
    if (e) throw e;
  };
  const endPart = async (c: Current): Promise<void> => {
    const file = files[c.header.number - 1]!;
    await writeAll(c, encodeTrailer(c.hash.digest(), c.headerBytes), file);
    cur = undefined;
    while (syncing.length >= 2) await settle();
    syncing.push(c.fh.sync().then(() => c.fh.close()).then(
      () => undefined,
      async (e: unknown) => {
        await c.fh.close().catch(() => undefined);
        return fail(e, file);
      },
    ));
  };

  const take = async (chunk: Buffer): Promise<void> => {
    if (written + chunk.length > o.total) throw new StowageError(`${out}: more than the ${o.total} payload bytes declared were written; ${NOTHING}`, { code: 'write-failed' });
    let at = 0;
    while (at < chunk.length) {
      const c = cur ?? (await startPart());
      const n = Math.min(c.left, chunk.length - at);
      const slice = chunk.subarray(at, at + n);
      c.hash.update(slice);
      await writeAll(c, slice, files[c.header.number - 1]!);
      c.left -= n;
      at += n;
      written += n;
      if (c.left === 0) await endPart(c);
    }
  };

  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      if (failure) return cb(failure);
      take(chunk).then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
    },
    final(cb) {
      const finish = async () => {
        if (written !== o.total) throw new StowageError(`${out}: the payload ended after ${written} of the ${o.total} bytes declared; ${NOTHING}`, { code: 'truncated' });
        // An empty payload still makes its one part (header and trailer).
        if (next === 1) await endPart(await startPart());
      };
      finish().then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
    },
  });
  stream.on('error', (e) => { failure ??= e; });

  const dropTemps = async () => {
    await Promise.all(syncing.splice(0));
    if (cur) await cur.fh.close().catch(() => undefined);
    cur = undefined;
    for (const t of temps) await rm(t, { force: true });
    for (const f of forgets) f();
  };

  const ended = () =>
    new Promise<void>((r, j) => {
      if (stream.writableFinished) return failure ? j(failure) : r();
      if (stream.destroyed) return j(failure ?? new StowageError(`${out}: the part writer was closed; ${NOTHING}`, { code: 'write-failed' }));
      stream.once('error', j);
      stream.once('finish', () => r());
      if (!stream.writableEnded) stream.end();
    });

  return {
    stream,
    path: out,
    files,
    get failure() { return failure; },
    get written() { return done; },
    commit: async () => {
      const placed: string[] = [];
      try {
        await ended();
        while (syncing.length) await settle();
        for (let i = 0; i < count; i++) {
          const want = partFileSize(headerFor(o.setId, i + 1, o.total, partPayload).length);
          const got = (await stat(temps[i]!)).size;
          if (got !== want) throw new StowageError(`${files[i]}: ${got} bytes reached the disk of the ${want} written (full disk?); ${NOTHING}`, { code: 'no-space' });
        }
        for (let i = 0; i < count; i++) {
          refuseInputOverwrite(files[i]!);
          await place(temps[i]!, files[i]!, !!o.overwrite);
          placed.push(files[i]!);
        }
      } catch (e) {
        // Parts already placed are this writer's own (placing never replaces without overwrite): taken back.
        if (!o.overwrite) for (const f of placed) await rm(f, { force: true });
        await dropTemps();
        throw fsError(e, placed.length < count ? files[placed.length]! : out, NOTHING);
      }
      for (const f of forgets) f();
      if (o.overwrite) await removeOldParts(out, new Set(files));
      done = { setId: o.setId, count, partPayload, total: o.total, files };
    },
    abort: async () => {
      stream.on('error', () => undefined);
      stream.destroy();
      await dropTemps();
    },
  };
}

/**
 * Moves a finished part to its name. Without overwrite a hard link places it only if the name is free (another
 * writer racing for the same set loses cleanly); media filesystems without hard links (FAT, exFAT) get a checked
 * rename.
 */
async function place(tmp: string, final: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(tmp, final);
  try {
    await link(tmp, final);
    await unlink(tmp);
    return;
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'EEXIST') throw new StowageError(`${final}: another writer created it while this one was writing; ${NOTHING} (the other set is left as it is)`, { code: 'write-failed' });
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK' && code !== 'ENOSYS') throw e;
  }
  try {
    await lstat(final);
    throw new StowageError(`${final}: another writer created it while this one was writing; ${NOTHING}`, { code: 'write-failed' });
  } catch (e) {
    if (e instanceof StowageError) throw e;
  }
  await rename(tmp, final);
}

/** After replacing a set: removes the old set's parts the new one does not have (only files that are parts). */
async function removeOldParts(out: string, keep: Set<string>): Promise<void> {
  for (const f of await existingParts(out)) {
    if (keep.has(f)) continue;
    let fh;
    try {
      fh = await open(f, 'r');
      const head = Buffer.alloc(16);
      await fh.read(head, 0, 16, 0);
      await fh.close();
      fh = undefined;
      if (looksLikePart(head)) await rm(f, { force: true });
    } catch {
      await fh?.close().catch(() => undefined);
    }
  }
}

/** Writes a whole payload (a stream or any async iterable of buffers) as a part set. */
export async function writeParts(source: AsyncIterable<Buffer | Uint8Array>, out: string, o: PartWriteOptions): Promise<PartSetWritten> {
  const po = await openPartOutput(out, o);
  try {
    for await (const chunk of source) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!po.stream.write(b)) {
        await new Promise<void>((r, j) => {
          const onErr = (e: Error) => { po.stream.off('drain', onDrain); j(e); };
          const onDrain = () => { po.stream.off('error', onErr); r(); };
          po.stream.once('drain', onDrain);
          po.stream.once('error', onErr);
        });
      }
      if (po.failure) throw po.failure;
    }
    await po.commit();
  } catch (e) {
    await po.abort();
    throw po.failure ?? e;
  }
  return po.written!;
}
