/**
 * Reads a patch delta (a file, or standard input in one pass): the index first, then every blob, each spooled to a
 * temporary folder and hashed against its name. Nothing is trusted before it is proved: a blob that does not hash
 * to its name, one the index does not name, or one it names that is missing is refused in one line.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { StowageError } from '../errors.js';
import { TMP_HINT, fsError, isWriteFailure } from '../fs/fs-errors.js';
import { tempDir } from '../fs/temp.js';
import { writeChunks } from '../fs/write-chunks.js';
import { blobPath, type Digest } from '../oci/digest.js';
import { FileByteSource, StreamByteSource, type ByteSource } from '../tar/bytesource.js';
import { readTar } from '../tar/reader.js';
import { PATCH_INDEX, PATCH_INDEX_LIMIT, type PatchIndex } from './format.js';
import { parsePatchIndex } from './index-schema.js';
import { open, readFile, stat } from 'node:fs/promises';
import { checkConfig } from './config-check.js';
import { checkImageIndex, checkManifest } from './manifest-check.js';

export interface PatchDelta {
  what: string;
  index: PatchIndex;
  /** Path of each blob's spooled copy. */
  blob(d: Digest): string;
  close(): Promise<void>;
}

/** True when a file starts with a patch delta's index entry (for commands that sniff their input). */
export async function isPatchDelta(path: string): Promise<boolean> {
  if (path === '-') return stdinIsPatchDelta();
  if (/^[a-z-]+:/.test(path)) return false;
  let fh;
  try {
    // Only a regular file, checked before opening: opening a FIFO would wait for its writer, and reading the head of
    // a pipe (<(docker save ...)) would take bytes from the reader that follows.
    if (!(await stat(path)).isFile()) return false;
    fh = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const b = Buffer.alloc(100);
    await fh.read(b, 0, 100, 0);
    const nul = b.indexOf(0);
    return b.toString('utf8', 0, nul < 0 ? 100 : nul) === PATCH_INDEX;
  } catch {
    return false; // a directory, a device: not a patch delta; the ordinary reader says what it is
  } finally {
    await fh.close();
  }
}

export async function readPatchDelta(path: string): Promise<PatchDelta> {
  const what = path === '-' ? 'standard input' : path;
  let src: ByteSource;
  try {
    src = path === '-' ? new StreamByteSource(process.stdin) : await FileByteSource.open(path);
  } catch (e) {
    throw new StowageError(`${what}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const tmp = await tempDir('stowage-apply-');
  const got = new Map<string, string>();
  let index: PatchIndex | undefined;
  /** Every blob the index names, with its size: nothing else is spooled, and nothing more than that. */
  let need = new Map<Digest, number>();
  try {
    for await (const e of readTar(src, { what })) {
      const name = e.header.name;
      if (!index) {
        if (name !== PATCH_INDEX) throw new StowageError(`${what}: not a patch delta (it does not start with ${PATCH_INDEX})`);
        if (e.header.size > PATCH_INDEX_LIMIT) throw new StowageError(`${what}: a patch index of ${e.header.size} bytes; refused`, { code: 'limit' });
        const parts: Buffer[] = [];
        for await (const c of e.body()) parts.push(c);
        index = parsePatchIndex(Buffer.concat(parts), `${what}: ${PATCH_INDEX}`);
        need = namedBlobs(index);
        continue;
      }
      const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
      if (!m || e.header.typeflag !== '0') throw new StowageError(`${what}: an unexpected entry ${JSON.stringify(name)}; not a patch delta stowage wrote`);
      const d: Digest = `sha256:${m[1]!}`;
      // Checked from the header, before a byte is spooled: a blob the index does not name, a second copy, a size
      // other than the index's.
      const size = need.get(d);
      if (size === undefined) throw new StowageError(`${what}: ${name} is not named by its ${PATCH_INDEX}; refused (a delta stowage wrote holds only the blobs its index names)`);
      if (got.has(d)) throw new StowageError(`${what}: ${name} appears twice; refused`);
      if (e.header.size !== size) throw new StowageError(`${what}: ${name} holds ${e.header.size} bytes, and its ${PATCH_INDEX} says ${size}; the delta is damaged or was altered`);
      const file = join(tmp.dir, m[1]!);
      const h = createHash('sha256');
      try {
        await writeChunks(file, e.body(), { onChunk: (c) => h.update(c) });
      } catch (err) {
        // A full temporary folder is named as such, never taken for a short delta.
        throw isWriteFailure(err) ? fsError(err, `temporary folder ${tmp.dir} (spooling ${what})`, TMP_HINT) : err;
      }
      if (h.digest('hex') !== m[1]) throw new StowageError(`${what}: ${name} does not hash to its name: the delta is damaged or was altered`);
      got.set(d, file);
    }
    if (!index) throw new StowageError(`${what}: empty; not a patch delta`);
    for (const [d] of need) if (!got.has(d)) throw new StowageError(`${what}: ${blobPath(d)} is missing (a truncated or incomplete delta)`, { code: 'not-found' });
    for (const img of index.images) {
      checkConfig(index, img, await readFile(got.get(img.config.digest)!), what);
      if (img.manifest) checkManifest(index, img, await readFile(got.get(img.manifest.digest)!), what);
    }
    if (index.index) checkImageIndex(index, await readFile(got.get(index.index.digest)!), what);
  } catch (e) {
    await tmp.remove();
    throw e;
  } finally {
    await src.close();
  }
  const idx = index;
  return {
    what,
    index: idx,
    blob: (d) => got.get(d)!,
    close: () => tmp.remove(),
  };
}

/** Peeks at standard input's first bytes and puts them back, so whichever reader follows sees them all. */
async function stdinIsPatchDelta(): Promise<boolean> {
  const input = process.stdin;
  const head: Buffer[] = [];
  let n = 0;
  while (n < 100) {
    const c = input.read() as Buffer | null;
    if (c === null) {
      if (input.readableEnded) break;
      const more = await new Promise<boolean>((res) => {
        const onR = () => { done(); res(true); };
        const onE = () => { done(); res(false); };
        const done = () => { input.off('readable', onR); input.off('end', onE); input.off('error', onE); };
        input.on('readable', onR);
        input.on('end', onE);
        input.on('error', onE);
      });
      if (!more) break;
      continue;
    }
    head.push(c);
    n += c.length;
  }
  const b = Buffer.concat(head);
  if (b.length) input.unshift(b);
  const nul = b.subarray(0, 100).indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? Math.min(100, b.length) : nul) === PATCH_INDEX;
}

/** The blobs an index names, each with its size (one size per digest: the index was validated). */
function namedBlobs(index: PatchIndex): Map<Digest, number> {
  const need = new Map<Digest, number>();
  const add = (d: Digest, size: number, field: string) => {
    const had = need.get(d);
    if (had !== undefined && had !== size) throw new StowageError(`${PATCH_INDEX}: ${field} gives blob ${d} a size of ${size}, and another field ${had}`);
    need.set(d, size);
  };
  for (const [i, img] of index.images.entries()) {
    add(img.config.digest, img.config.size, `images[${i}].config.size`);
    if (img.manifest) add(img.manifest.digest, img.manifest.size, `images[${i}].manifest.size`);
  }
  if (index.index) add(index.index.digest, index.index.size, 'index.size');
  for (const [i, l] of index.layers.entries()) {
    if (l.patch) add(l.patch.digest, l.patch.size, `layers[${i}].patch.size`);
    if (l.whole) add(l.whole.digest, l.whole.size, `layers[${i}].whole.size`);
  }
  return need;
}
