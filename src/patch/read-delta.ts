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
import { blobPath, sha256, type Digest } from '../oci/digest.js';
import { FileByteSource, StreamByteSource, type ByteSource } from '../tar/bytesource.js';
import { readTar } from '../tar/reader.js';
import { PATCH_INDEX, PATCH_INDEX_LIMIT, type PatchIndex } from './format.js';
import { parsePatchIndex } from './index-schema.js';
import { open, stat } from 'node:fs/promises';
import { checkConfig } from './config-check.js';
import { checkImageIndex, checkManifest } from './manifest-check.js';
import { checkIndexArtifacts } from './artifacts-check.js';

export interface PatchDelta {
  what: string;
  index: PatchIndex;
  /** A blob's bytes, read in order (a layer patch for the decoder). */
  source(d: Digest): Promise<ByteSource>;
  /** A blob's bytes as a stream (a whole layer for the writer). */
  stream(d: Digest): AsyncIterable<Buffer>;
  /** A small blob whole (a config, a manifest). */
  bytes(d: Digest): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Where the blobs of a delta read from a file or from parts stay: in place, at the offsets they were proved at, so
 * apply needs no temporary copy of the bundle (only standard input is spooled). `open(start, end)` reads that range
 * of the payload again.
 */
export interface InPlace {
  open(start: number, end: number): Promise<ByteSource>;
  close(): Promise<void>;
}

/** True when these first bytes (100 or more, or the whole file) are a patch delta's: its index is the first tar entry. */
export function startsLikePatchDelta(head: Buffer): boolean {
  const name = head.subarray(0, Math.min(100, head.length));
  const nul = name.indexOf(0);
  return name.toString('utf8', 0, nul < 0 ? name.length : nul) === PATCH_INDEX;
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
    const { bytesRead } = await fh.read(b, 0, 100, 0);
    return startsLikePatchDelta(b.subarray(0, bytesRead));
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
  const inPlace: InPlace | undefined = path === '-' ? undefined : { open: (start, end) => FileByteSource.open(path, start, end), close: async () => undefined };
  return readPatchDeltaFrom(src, what, inPlace ? { inPlace } : {});
}

/**
 * A patch delta from any byte source read in one pass (a file, standard input, the payload of a part set, each
 * part proved at its end); `src` is closed when it has been read.
 */
export async function readPatchDeltaFrom(src: ByteSource, what: string, opts: { indexDigest?: Digest | (() => Digest | undefined); inPlace?: InPlace } = {}): Promise<PatchDelta> {
  const inPlace = opts.inPlace;
  // Spooled only when the bytes cannot be read again (standard input): then a temporary copy of each blob.
  const tmp = inPlace ? undefined : await tempDir('stowage-apply-');
  /** Each blob, proved: its spooled copy, or where it lies in the input. */
  const got = new Map<string, { file?: string; start: number; end: number }>();
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
        const bytes = Buffer.concat(parts);
        // Parts name the index they carry (their set id): an index altered and its part re-checksummed is caught.
        const expect = typeof opts.indexDigest === 'function' ? opts.indexDigest() : opts.indexDigest;
        if (expect && sha256(bytes) !== expect) throw new StowageError(`${what}: its ${PATCH_INDEX} is not the one the parts were written for (set ${expect.slice(0, 19)}…): the first part was altered`, { code: 'tampered' });
        index = parsePatchIndex(bytes, `${what}: ${PATCH_INDEX}`);
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
      const h = createHash('sha256');
      const start = e.dataOffset;
      if (tmp) {
        const file = join(tmp.dir, m[1]!);
        try {
          await writeChunks(file, e.body(), { onChunk: (c) => h.update(c) });
        } catch (err) {
          // A full temporary folder is named as such, never taken for a short delta.
          throw isWriteFailure(err) ? fsError(err, `temporary folder ${tmp.dir} (spooling ${what})`, TMP_HINT) : err;
        }
        got.set(d, { file, start: 0, end: size });
      } else {
        for await (const c of e.body()) h.update(c);
        got.set(d, { start, end: start + size });
      }
      if (h.digest('hex') !== m[1]) throw new StowageError(`${what}: ${name} does not hash to its name: the delta is damaged or was altered`);
    }
    if (!index) throw new StowageError(`${what}: empty; not a patch delta`);
    for (const [d] of need) if (!got.has(d)) throw new StowageError(`${what}: ${blobPath(d)} is missing (a truncated or incomplete delta)`, { code: 'not-found' });
  } catch (e) {
    await tmp?.remove(); // an in-place input is the caller's to close
    throw e;
  } finally {
    await src.close();
  }
  const idx = index;
  // Read again from where it was proved: the spooled copy, or the input in place (a file, the parts).
  const source = (d: Digest): Promise<ByteSource> => {
    const at = got.get(d);
    if (!at) throw new StowageError(`${what}: names no blob ${d}`);
    return at.file ? FileByteSource.open(at.file) : inPlace!.open(at.start, at.end);
  };
  const delta: PatchDelta = {
    what,
    index: idx,
    source,
    stream: (d) => (async function* () {
      const s = await source(d);
      try {
        yield* s.chunks(got.get(d)!.end - got.get(d)!.start);
      } finally {
        await s.close();
      }
    })(),
    bytes: async (d) => {
      const parts: Buffer[] = [];
      for await (const c of delta.stream(d)) parts.push(Buffer.from(c));
      const b = Buffer.concat(parts);
      // Read a second time from the input: proved again (small blobs; a layer's bytes are proved by the writer).
      if (sha256(b) !== d) throw new StowageError(`${what}: ${blobPath(d)} changed since it was read: the delta is damaged or was altered`, { code: 'tampered' });
      return b;
    },
    close: async () => {
      await tmp?.remove();
      await inPlace?.close();
    },
  };
  try {
    for (const img of idx.images) {
      checkConfig(idx, img, await delta.bytes(img.config.digest), what);
      if (img.manifest) checkManifest(idx, img, await delta.bytes(img.manifest.digest), what);
    }
    if (idx.index) checkImageIndex(idx, await delta.bytes(idx.index.digest), what);
    // Issue 20: the attestation manifests the index lists, against the blobs the index gives them.
    await checkIndexArtifacts(idx, delta.bytes, what);
  } catch (e) {
    await delta.close();
    throw e;
  }
  return delta;
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
export function namedBlobs(index: PatchIndex): Map<Digest, number> {
  const need = new Map<Digest, number>();
  const add = (d: Digest, size: number, field: string) => {
    const had = need.get(d);
    if (had !== undefined && had !== size) throw new StowageError(`${PATCH_INDEX}: ${field} gives blob ${d} a size of ${size}, and another field ${had}`);
    need.set(d, size);
  };
  for (const [i, img] of index.images.entries()) {
    add(img.config.digest, img.config.size, `images[${i}].config.size`);
    if (img.manifest) add(img.manifest.digest, img.manifest.size, `images[${i}].manifest.size`);
    // Issue 20 item 3: the image's referrers (signatures, attestations) and the blobs they name.
    for (const [k, r] of (img.referrers ?? []).entries()) {
      add(r.digest, r.size, `images[${i}].referrers[${k}].size`);
      for (const [j, b] of r.blobs.entries()) add(b.digest, b.size, `images[${i}].referrers[${k}].blobs[${j}].size`);
    }
  }
  if (index.index) add(index.index.digest, index.index.size, 'index.size');
  // Issue 20 item 3: the index's own referrers (a signature of the multi-platform image's digest).
  for (const [k, r] of (index.index?.referrers ?? []).entries()) {
    add(r.digest, r.size, `index.referrers[${k}].size`);
    for (const [j, b] of r.blobs.entries()) add(b.digest, b.size, `index.referrers[${k}].blobs[${j}].size`);
  }
  // Issue 20: the index's attestation manifests (its entries that are not images) and their blobs.
  for (const [k, a] of (index.index?.artifacts ?? []).entries()) {
    add(a.digest, a.size, `index.artifacts[${k}].size`);
    for (const [j, b] of a.blobs.entries()) add(b.digest, b.size, `index.artifacts[${k}].blobs[${j}].size`);
  }
  for (const [i, l] of index.layers.entries()) {
    if (l.patch) add(l.patch.digest, l.patch.size, `layers[${i}].patch.size`);
    for (const [k, a] of (l.alternatives ?? []).entries()) add(a.digest, a.size, `layers[${i}].alternatives[${k}].size`);
    if (l.whole) add(l.whole.digest, l.whole.size, `layers[${i}].whole.size`);
  }
  return need;
}
