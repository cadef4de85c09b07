/**
 * Rebuilds a layer's uncompressed tar from its patch and the base layers it names (the reverse of encode-layer.ts).
 * Everything read from the patch is checked before it is used: sizes against the format's bounds, every old entry
 * it names against the base index, the total against the size the index declares. A hostile or damaged patch fails
 * with one line; the caller proves the result's DiffID besides.
 */
import { StowageError } from '../errors.js';
import type { ByteSource } from '../tar/bytesource.js';
import { BaseTable, type BaseEntry } from './base-index.js';
import { BLOCK_ENTRIES, DATA, MAGIC, MAGIC_V2, MAGIC_V3, MAX_FRAME, SEGMENT, STRUCT_SAME, refWindow } from './format.js';
import { OpCoder } from './op-list.js';
import type { LayerFile } from './layer-file.js';
import { FIELD, putFields, takeFields } from './header-fields.js';
import { decompress } from './zstd.js';
import { GZ_CONTENT_MAX, GZ_FILE_MAX, gunzipBounded, gzipByRecipe, recipeName } from './gz-inside.js';
import type { GzThread } from './gz-thread.js';
import { POOL_SLAB, type BufferPool } from './buffer-pool.js';

/**
 * A piece of the rebuilt layer still being made on another thread (a gzip file compressed again, gz-thread.ts):
 * `length` bytes, in its place in the order.
 */
export interface Deferred {
  readonly length: number;
  readonly bytes: Promise<Buffer>;
}

/** The rebuilt layer's bytes in order (every piece made here). */
export async function* decodeLayer(source: ByteSource, bases: LayerFile[], declaredSize: number, what: string): AsyncGenerator<Buffer> {
  for await (const c of decodePieces(source, bases, declaredSize, what)) yield Buffer.isBuffer(c) ? c : await (c as Deferred).bytes;
}

/**
 * The rebuilt layer in pieces, in order; with `gz`, the gzip files inside it are compressed again on that thread
 * and come as `Deferred` pieces, so the caller can go on with what follows while they are made (run-ahead.ts). With
 * `pool`, the data of files copied unchanged from the base is read into the pool's buffers, lent to the caller
 * (buffer-pool.ts).
 */
export async function* decodePieces(source: ByteSource, bases: LayerFile[], declaredSize: number, what: string, gz?: GzThread, pool?: BufferPool): AsyncGenerator<Buffer | Deferred> {
  const patch = new PatchInput(source);
  const corrupt = (why: string) => new StowageError(`${what}: corrupt patch (${why})`, { code: why === 'truncated' ? 'truncated' : 'corrupt' });
  const magic = await patch.read(MAGIC.length);
  // Version 1 (three frames a block), 2 (a fourth: the grouped small deltas) and 3 (the operation lists coded against
  // the old entries) are all read.
  const version = magic.equals(MAGIC_V3) ? 3 : magic.equals(MAGIC_V2) ? 2 : magic.equals(MAGIC) ? 1 : 0;
  if (!version) throw corrupt(magic.length < MAGIC.length ? 'truncated' : 'not a stowage layer patch, or another version');
  const v2 = version >= 2;
  // Offsets in typed columns, appended one by one: no spread into a call (a layer of a million entries passes the
  // engine's argument limit), no object per entry.
  const all = await BaseTable.of(bases);
  const coder = new OpCoder(version as 1 | 2 | 3, all, corrupt);
  // Each decoder reads through windows of its own: several layers may be rebuilt from one base file at once.
  // Two per base: the old headers are read in one sweep per block, then the old files' data in another; one window
  // for both would be refilled at every switch.
  // The header sweep takes copies only, so its window's memory is reused (a fresh 1 MiB window per refill allocated
  // 147 MB to find the headers of a 259 MB base), and it is smaller: the files' data between the headers is the data
  // sweep's to read.
  const readers = bases.map((f) => f.copyingCursor(HEADER_WINDOW));
  const dataReaders = bases.map((f) => f.cursor());
  const byte = async (): Promise<number> => {
    const b = patch.byte() ?? (await patch.read(1))[0];
    if (b === undefined) throw corrupt('truncated');
    return b;
  };
  const varint = async (): Promise<number> => {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const c = await byte();
      n += (c & 0x7f) * mul;
      if (c < 0x80) return n;
      mul *= 0x80;
    }
    throw corrupt('a number too large');
  };
  const frame = async (ref?: Buffer, expect?: number): Promise<Buffer> => {
    const raw = await varint();
    const len = await varint();
    if (raw > MAX_FRAME || len > MAX_FRAME + (MAX_FRAME >> 7) + 1024) throw corrupt(`a frame of ${raw} bytes, over the format's bound`);
    if (expect !== undefined && raw !== expect) throw corrupt(`a frame of ${raw} bytes where ${expect} belong`);
    const data = await patch.read(len);
    if (data.length < len) throw corrupt('truncated');
    return decompress(data, raw, ref, what);
  };
  const entry = (id: number): BaseEntry => {
    const e = all.get(id);
    if (!e) throw corrupt(`it names old entry ${id}, and the base layers have ${all.count}`);
    return e;
  };
  const oldStruct = (e: BaseEntry) => readers[e.layer]!.read(e.structStart, e.dataOffset - e.structStart);

  let emitted = 0;
  let lastTime = 0;
  const count = (n: number) => {
    emitted += n;
    if (emitted > declaredSize) throw corrupt(`it rebuilds more than the ${declaredSize} bytes the index declares`);
  };
  const emit = (b: Buffer) => {
    count(b.length);
    return b;
  };
  for (;;) {
    const { ops: list, last, trailer } = coder.decode(await frame(), what, BLOCK_ENTRIES);
    let refTotal = 0;
    const refParts: Buffer[] = [];
    const groupRefs: Buffer[] = [];
    const mtimes: number[] = [];
    let structTotal = 0;
    let litTotal = 0;
    let groupTotal = 0;
    let groupRefTotal = 0;
    // (The coder checked every old entry number against the base index.)
    // The old structure of each entry whose structure is its old entry's (STRUCT_SAME), held until it is emitted.
    const sameStruct: (Buffer | undefined)[] = [];
    for (const op of list) {
      let oldTime = -1;
      let same: Buffer | undefined;
      if (op.hdr >= 0) {
        const o = await oldStruct(entry(op.hdr));
        // The reference is bounded like the frame (a hostile list could name one big old header again and again).
        if ((refTotal += o.length) > 2 * MAX_FRAME) throw corrupt('a structure reference over the format\'s bound');
        const of = takeFields(o);
        if (of.flags & FIELD.MTIME) oldTime = of.mtime;
        if (op.flags & STRUCT_SAME) same = o;
        else refParts.push(o);
      } else if (op.flags & STRUCT_SAME) throw corrupt('a structure copied from no old entry');
      sameStruct.push(same);
      let mtime = 0;
      if (op.flags & FIELD.MTIME) mtime = lastTime = (oldTime >= 0 ? oldTime : lastTime) + op.timeDelta;
      mtimes.push(mtime);
      if (op.kind === DATA.GZ_DELTA) {
        if (!recipeName(op.recipe!)) throw corrupt(`gzip recipe ${op.recipe}, which stowage does not know`);
        if (op.contentLen! > GZ_CONTENT_MAX) throw corrupt(`gzip content of ${op.contentLen} bytes, over the format's bound`);
        const o = entry(op.ref);
        if (o.dataLen > GZ_FILE_MAX) throw corrupt(`old entry ${op.ref}, of ${o.dataLen} bytes, is too big for gzip content coding`);
      } else if (op.kind === DATA.GROUPED) {
        const o = entry(op.ref);
        groupTotal += op.dataLen;
        // Bounded like the structure's reference (a hostile list could name one big old file again and again).
        if ((groupRefTotal += o.dataLen) > 2 * MAX_FRAME) throw corrupt('a grouped-delta reference over the format\'s bound');
        // A copy, not a view: views of many read windows, held until the block ends, would pin them all.
        groupRefs.push(await dataReaders[o.layer]!.read(o.dataOffset, o.dataLen));
      } else if (op.kind === DATA.SMALL) litTotal += op.dataLen;
      if (!same) structTotal += op.structLen;
      if (structTotal > MAX_FRAME || litTotal > MAX_FRAME || groupTotal > MAX_FRAME) throw corrupt('a block over the format\'s bound');
    }
    const struct = await frame(refParts.length ? Buffer.concat(refParts) : undefined, structTotal + trailer);
    refParts.length = 0;
    const lit = await frame(undefined, litTotal);
    const group = v2 ? await frame(groupRefs.length ? Buffer.concat(groupRefs) : undefined, groupTotal) : undefined;
    groupRefs.length = 0;
    let sAt = 0;
    let lAt = 0;
    let gAt = 0;
    for (const [k, op] of list.entries()) {
      const chunk = sameStruct[k] ?? struct.subarray(sAt, (sAt += op.structLen));
      if (!putFields(chunk, op.flags & ~STRUCT_SAME, mtimes[k]!)) throw corrupt('header fields where no header is');
      yield emit(chunk);
      if (op.kind === DATA.SAME) {
        const e = entry(op.ref);
        for await (const c of dataReaders[e.layer]!.stream(e.dataOffset, op.dataLen, POOL_SLAB, pool)) yield emit(c);
      } else if (op.kind === DATA.SMALL) yield emit(lit.subarray(lAt, (lAt += op.dataLen)));
      else if (op.kind === DATA.GROUPED) yield emit(group!.subarray(gAt, (gAt += op.dataLen)));
      else if (op.kind === DATA.GZ_DELTA) {
        // The old file decompressed is the reference; the content is compressed again by the recipe. The DiffID
        // check of the whole layer (the caller's) proves the bytes; the size is checked here, to name the entry.
        const e = entry(op.ref);
        const oldContent = gunzipBounded(await dataReaders[e.layer]!.read(e.dataOffset, e.dataLen));
        if (!oldContent) throw corrupt(`old entry ${op.ref} is not a gzip file of at most ${GZ_CONTENT_MAX} bytes decompressed`);
        const content = await frame(oldContent, op.contentLen!);
        const sized = (b: Buffer) => {
          if (b.length !== op.dataLen) throw corrupt(`${recipeName(op.recipe!)} makes ${b.length} bytes of a file of ${op.dataLen}`);
          return b;
        };
        if (!gz) yield emit(sized(gzipByRecipe(op.recipe!, content)));
        else {
          // On the gzip thread: the entries after it are rebuilt meanwhile. Counted now at the size the list
          // declares; the bytes are held to it when they come.
          const bytes = (await gz.encode(op.recipe!, content)).bytes.then(sized);
          bytes.catch(() => undefined); // awaited by whoever takes the piece; one left behind must not go unhandled
          count(op.dataLen);
          yield { length: op.dataLen, bytes };
        }
      } else if (op.kind === DATA.BIG || op.kind === DATA.DELTA) {
        // One frame per segment, right after the block's frames, in entry order.
        const old = op.kind === DATA.DELTA ? entry(op.ref) : undefined;
        for (let at = 0; at < op.dataLen; at += SEGMENT) {
          const len = Math.min(SEGMENT, op.dataLen - at);
          let ref: Buffer | undefined;
          if (old) {
            const w = refWindow(at, len, op.dataLen, old.dataLen);
            ref = await dataReaders[old.layer]!.view(old.dataOffset + w.start, w.len);
          }
          yield emit(await frame(ref, len));
        }
      }
    }
    if (trailer) yield emit(struct.subarray(structTotal));
    if (last) break;
  }
  if (emitted !== declaredSize) throw corrupt(`it rebuilds ${emitted} bytes, and the index declares ${declaredSize}`);
}

/**
 * The patch read through a buffer of its own: a frame's two varints are a few bytes each, and read one by one from
 * the file they cost a thread-pool round trip apiece. Bytes returned are views of buffers never written again.
 */
class PatchInput {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  constructor(private readonly src: ByteSource) {}

  /** The next byte when it is buffered. */
  byte(): number | undefined {
    return this.at < this.buf.length ? this.buf[this.at++] : undefined;
  }

  /** Up to `n` bytes (fewer only at the end). */
  async read(n: number): Promise<Buffer> {
    const have = this.buf.length - this.at;
    if (have >= n) return this.buf.subarray(this.at, (this.at += n));
    const rest = this.buf.subarray(this.at);
    // A big read (a frame) goes straight through; a small one refills the buffer.
    const more = await this.src.read(n - have >= READ_AHEAD ? n - have : READ_AHEAD);
    const all = have ? Buffer.concat([rest, more]) : more;
    const take = Math.min(n, all.length);
    this.buf = all;
    this.at = take;
    return all.subarray(0, take);
  }
}

const READ_AHEAD = 64 << 10;
/** The window of the header sweep (the data sweep's is layer-file.ts's default). */
const HEADER_WINDOW = 128 << 10;
