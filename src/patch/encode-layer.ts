/**
 * Encodes one target layer as a patch against base layers (the format: docs/patch-format.md). The layer's tar is
 * cut into what lies between file data ("structure": header blocks, PAX and GNU records, padding, the end blocks;
 * kept as raw bytes, coded against the matching old entry's) and file data (copied from an old entry with the same
 * content, delta-coded against the most similar old file, or literal). Entries go in blocks, so memory is bounded:
 * one block's structure and small literals, and one segment of a big file with its reference, at a time.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname } from 'node:path';
import { TMP_HINT, fsError, isWriteFailure } from '../fs/fs-errors.js';
import type { Digest } from '../oci/digest.js';
import { indexLayer, type BaseEntry } from './base-index.js';
import type { LayerFile } from './layer-file.js';
import { BLOCK_ENTRIES, BLOCK_BYTES, DATA, GROUP_FILE, MAGIC_V2, MAGIC_V3, SEGMENT, SMALL_FILE, STRUCT_SAME, refWindow } from './format.js';
import { OpCoder, type EntryOp } from './op-list.js';
import { VarintWriter } from './varint.js';
import { FIELD, takeFields } from './header-fields.js';
import { compressBeside } from './zstd-thread.js';
import { SKETCH_BYTES, overlap, sketch } from './similarity.js';
import { GZ_FILE_MAX, findGzRecipe, gunzipBounded } from './gz-inside.js';

export interface EncodeStats {
  entries: number;
  /** Data bytes copied from a base file with the same content. */
  sameBytes: number;
  /** Data bytes delta-coded against a similar base file, and what they cost. */
  deltaBytes: number;
  deltaCost: number;
  /** Data bytes shipped literally (zstd), and what they cost. */
  literalBytes: number;
  literalCost: number;
  /** Structure bytes (headers, padding) and what they cost (with the operation lists). */
  structBytes: number;
  structCost: number;
  /** Of structCost, the operation lists. */
  opsCost: number;
}

export interface EncodedLayer {
  /** The DiffIDs of the base layers the patch refers to, in its numbering order. */
  bases: Digest[];
  size: number;
  digest: Digest;
  stats: EncodeStats;
}

export interface BaseSet {
  files: LayerFile[];
  diffIds: Digest[];
  entries: BaseEntry[][];
}

/**
 * Indexes every base layer once (names, content hashes) for the encoder. The layers are indexed at once: each waits
 * on its reads much of the time (the deb pair's main thread was idle a fifth of its run), which the others fill.
 */
export async function indexBases(files: LayerFile[], diffIds: Digest[]): Promise<BaseSet> {
  const entries = await Promise.all(files.map((f, i) => indexLayer(f, i, true)));
  return { files, diffIds, entries };
}

const targetIndexes = new WeakMap<LayerFile, Promise<BaseEntry[]>>();

/**
 * The target layer's index, made once per layer file: a caller starts it beside the bases' (their reads and hashing
 * interleave), and a layer coded against several sets of bases (sites at several releases) is indexed once.
 */
export function indexTarget(target: LayerFile): Promise<BaseEntry[]> {
  let p = targetIndexes.get(target);
  if (!p) {
    p = indexLayer(target, -1, true);
    p.catch(() => undefined); // (awaited by encodeLayer; a failure there is reported, not left unhandled here)
    targetIndexes.set(target, p);
  }
  return p;
}

/** A file whose bytes are already compressed: a delta finds nothing in it unless equal. */
function compressedMagic(head: Buffer): boolean {
  if (head.length < 4) return false;
  const m = head.readUInt32BE(0);
  return (m >>> 16) === 0x1f8b || m === 0x28b52ffd || (m >>> 8) === 0x425a68 || m === 0xfd377a58 || m === 0x504b0304 || (m >>> 16) === 0x5d00;
}

/** Name key for moved or renamed files: the base name with its digits blurred (lib-1.2.3.so ~ lib-1.2.4.so). */
function similarKey(name: string): string {
  return basename(name).replace(/[0-9]+/g, '#');
}

interface Plan {
  e: BaseEntry;
  hdr: number; // global base id, -1 none
  kind: number;
  ref: number; // global base id for SAME / DELTA, -1 none
  /** GZ_DELTA: the recipe that makes the file's bytes from its content, and the content's size. */
  recipe?: number;
  contentLen?: number;
}

/** How many copies of one path, across the bases, are compared with the target's file. */
const MAX_CANDIDATES = 8;

/** Per target entry: the old header it is coded against, and where its data comes from (global base ids). */
function matchEntries(tEntries: BaseEntry[], all: BaseEntry[], heads: (e: BaseEntry) => Promise<Buffer>, readTarget: (e: BaseEntry, len: number) => Promise<Buffer>, readBase: (id: number, len: number) => Promise<Buffer>): Promise<Plan[]> {
  // Every copy of a path (the last few): several bases (sites at v1 and at v2, for v3) may hold one; the closest copy
  // is the reference, whatever order the bases came in.
  // (One copy, the common case, is kept as a number: a base of a million entries would otherwise hold a million arrays.)
  const byName = new Map<string, number | number[]>();
  const byHash = new Map<string, number>();
  const bySimilar = new Map<string, number[]>();
  for (const [id, b] of all.entries()) {
    const l = byName.get(b.name!);
    if (l === undefined) byName.set(b.name!, id);
    else if (typeof l === 'number') byName.set(b.name!, [l, id]);
    else {
      l.push(id);
      if (l.length > MAX_CANDIDATES) l.shift();
    }
    if (b.hash) {
      byHash.set(b.hash, id); // (equal sha256, equal length: the hash alone is the key, no string made per entry)
      if (b.dataLen >= 64) {
        const k = similarKey(b.name!);
        const l = bySimilar.get(k);
        if (l) { if (l.length < 64) l.push(id); } else bySimilar.set(k, [id]);
      }
    }
  }
  /** The most similar old file: the same path, else a moved or renamed one of similar name and size. */
  const similarTo = (e: BaseEntry, named: number | undefined): number => {
    if (named !== undefined && all[named]!.dataLen >= 64) return named;
    let best = Infinity;
    let similar = -1;
    for (const id of bySimilar.get(similarKey(e.name!)) ?? []) {
      const r = all[id]!.dataLen / e.dataLen;
      const d = Math.abs(Math.log(r));
      if (r > 0.5 && r < 2 && d < best) { best = d; similar = id; }
    }
    return similar;
  };
  /** The copy of the path most like the target's file; with one copy, or no data to compare, the highest. */
  const closest = async (e: BaseEntry, ids: number[] | undefined): Promise<number | undefined> => {
    if (!ids?.length) return undefined;
    const withData = ids.filter((id) => all[id]!.dataLen > 0);
    if (withData.length < 2 || e.dataLen === 0) return ids[ids.length - 1];
    const mine = sketch(await readTarget(e, Math.min(e.dataLen, SKETCH_BYTES)));
    let best = -1;
    let bestScore = -1;
    for (const id of withData) {
      const score = overlap(mine, sketch(await readBase(id, Math.min(all[id]!.dataLen, SKETCH_BYTES))));
      if (score >= bestScore) { best = id; bestScore = score; } // ties: the later copy, as before
    }
    return best;
  };
  /** The recipe and content size when `e` and old entry `id` are gzip files and a recipe makes `e` exactly. */
  const gzPlan = async (e: BaseEntry, id: number): Promise<{ recipe: number; contentLen: number } | undefined> => {
    const o = all[id]!;
    if (e.dataLen > GZ_FILE_MAX || o.dataLen > GZ_FILE_MAX || o.dataLen < 18) return undefined;
    const oldHead = await readBase(id, 2);
    if (oldHead[0] !== 0x1f || oldHead[1] !== 0x8b) return undefined;
    const gz = await readTarget(e, e.dataLen);
    const content = gunzipBounded(gz);
    if (!content || !gunzipBounded(await readBase(id, o.dataLen))) return undefined;
    const recipe = findGzRecipe(gz, content);
    return recipe ? { recipe, contentLen: content.length } : undefined;
  };
  return (async () => {
    const plans: Plan[] = [];
    let prevHdr = -1;
    for (const e of tEntries) {
      const copies = byName.get(e.name!);
      const ids = copies === undefined ? undefined : typeof copies === 'number' ? [copies] : copies;
      const same0 = e.dataLen > 0 ? byHash.get(e.hash!) : undefined;
      // An identical copy needs no comparing; the header is then coded against the path's last copy.
      const named = same0 !== undefined ? ids?.[ids.length - 1] : await closest(e, ids);
      let kind: number = DATA.NONE;
      let ref = -1;
      if (e.dataLen > 0) {
        // The copy at the same path when it is the same (the usual case): its data follows the header the decoder
        // has just read, and its reference costs one byte; else any copy with the content.
        const atPath = ids?.[ids.length - 1];
        const same = atPath !== undefined && all[atPath]!.hash === e.hash && all[atPath]!.dataLen === e.dataLen ? atPath : byHash.get(e.hash!);
        if (same !== undefined) { kind = DATA.SAME; ref = same; }
        else {
          // Already-compressed files are not delta-coded: a small change moves every byte after it. A gzip file
          // whose old file is gzip too, and which a recipe makes again exactly, has its content coded instead.
          const head = await heads(e);
          const gz = named !== undefined && head[0] === 0x1f && head[1] === 0x8b ? await gzPlan(e, named) : undefined;
          if (gz) { plans.push({ e, hdr: named!, kind: DATA.GZ_DELTA, ref: named!, ...gz }); prevHdr = named!; continue; }
          const similar = !compressedMagic(head) && e.dataLen >= 64 ? similarTo(e, named) : -1;
          // A small one goes with the block's other small delta-coded files, in one frame against their old files.
          // (The old file is bounded too: the group's reference is the old files, concatenated.)
          if (similar >= 0) { kind = e.dataLen <= GROUP_FILE && all[similar]!.dataLen <= 4 * GROUP_FILE ? DATA.GROUPED : DATA.DELTA; ref = similar; }
          else kind = e.dataLen <= SMALL_FILE ? DATA.SMALL : DATA.BIG;
        }
      }
      const hdr = named ?? (ref >= 0 ? ref : prevHdr >= 0 && prevHdr + 1 < all.length ? prevHdr + 1 : -1);
      plans.push({ e, hdr, kind, ref });
      if (hdr >= 0) prevHdr = hdr;
    }
    return plans;
  })();
}

/** The base layers the plans refer to, in order, and the renumbering of global ids into ids over those alone. */
function usedBases(plans: Plan[], all: BaseEntry[], bases: BaseSet): { keep: number[]; renum: (id: number) => number } {
  const offsets: number[] = [];
  let total = 0;
  for (const es of bases.entries) {
    offsets.push(total);
    total += es.length;
  }
  const used = new Set<number>();
  for (const p of plans) for (const id of [p.hdr, p.ref]) if (id >= 0) used.add(all[id]!.layer);
  const keep = [...used].sort((a, b) => a - b);
  const newOffset = new Map<number, number>();
  let acc = 0;
  for (const l of keep) { newOffset.set(l, acc); acc += bases.entries[l]!.length; }
  return { keep, renum: (id: number) => (id < 0 ? -1 : newOffset.get(all[id]!.layer)! + (id - offsets[all[id]!.layer]!)) };
}

export async function encodeLayer(target: LayerFile, bases: BaseSet, outPath: string, what: string): Promise<EncodedLayer> {
  const tEntries = await indexTarget(target);
  // Global ids over all candidate bases first; the used ones are renumbered below.
  const all: BaseEntry[] = bases.entries.flat();
  const plans = await matchEntries(tEntries, all, (e) => target.read(e.dataOffset, Math.min(8, e.dataLen)),
    (e, len) => target.read(e.dataOffset, len),
    (id, len) => bases.files[all[id]!.layer]!.read(all[id]!.dataOffset, len));
  const { keep, renum } = usedBases(plans, all, bases);
  // The old entries in the patch's numbering (the used bases alone), which the operation lists are coded against.
  const used = keep.flatMap((l) => bases.entries[l]!);
  const version = patchVersion();
  const coder = new OpCoder(version, { count: used.length, get: (id) => used[id] }, (why) => new StowageError(`${what}: internal: ${why}`));

  const stats: EncodeStats = { entries: tEntries.length, sameBytes: 0, deltaBytes: 0, deltaCost: 0, literalBytes: 0, literalCost: 0, structBytes: 0, structCost: 0, opsCost: 0 };
  const out = createWriteStream(outPath);
  let failed: Error | undefined;
  out.on('error', (e) => (failed = e));
  const digest = createHash('sha256');
  let size = 0;
  const write = async (b: Buffer) => {
    if (failed) throw isWriteFailure(failed) ? fsError(failed, `temporary folder ${dirname(outPath)} (the patch of ${what})`, TMP_HINT) : new StowageError(`${what}: writing its patch to a temporary file failed: ${failed.message}`);
    digest.update(b);
    size += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  const frame = async (raw: number, data: Buffer) => {
    const v = new VarintWriter();
    v.uint(raw);
    v.uint(data.length);
    await write(v.bytes());
    await write(data);
  };
  // Big frames are made on the zstd thread (zstd-thread.ts), all are written in the order sent; the encoder goes on
  // reading and coding meanwhile, until the frames sent after the oldest not yet written hold IN_FLIGHT bytes of input.
  const sent: { raw: number; frame: Promise<Buffer>; bytes: number; cost: (n: number) => void }[] = [];
  let sentBytes = 0;
  const writeOldest = async () => {
    const s = sent.shift()!;
    const f = await s.frame;
    await frame(s.raw, f);
    sentBytes -= s.bytes;
    s.cost(f.length);
  };
  // `own`: the buffers are the encoder's own (concatenations, fresh reads), given up to the thread (emptied here).
  const emit = async (src: Buffer, level: number, ref: Buffer | undefined, cost: (n: number) => void, own = { src: false, ref: false }, onThread = false) => {
    const raw = src.length;
    const bytes = raw + (ref?.length ?? 0);
    const p = compressBeside(src, level, ref, own, onThread);
    p.catch(() => undefined); // (awaited by writeOldest, in order; a failure is reported there)
    sent.push({ raw, frame: p, bytes, cost });
    sentBytes += bytes;
    while (sent.length > 1 && sentBytes - sent[0]!.bytes > IN_FLIGHT) await writeOldest();
  };
  // The old headers and the old files' data through read windows of their own: the two sweeps interleave, and
  // one window between them was refilled (1 MiB) at nearly every read.
  const structReaders = bases.files.map((f) => f.cursor());
  const dataReaders = bases.files.map((f) => f.cursor());
  const oldStruct = (id: number) => {
    const b = all[id]!;
    return structReaders[b.layer]!.read(b.structStart, b.dataOffset - b.structStart);
  };

  await write(version === 3 ? MAGIC_V3 : MAGIC_V2);
  let lastTime = 0;
  let prevEnd = 0;
  for (let i = 0; i < plans.length || i === 0;) {
    // One block: entries until the structure and small literals reach the bound.
    const structParts: Buffer[] = [];
    const refParts: Buffer[] = [];
    const lits: Buffer[] = [];
    const groupParts: Buffer[] = [];
    const groupRefParts: Buffer[] = [];
    const bigs: Plan[] = [];
    const fields: { flags: number; mtime: number }[] = [];
    const oldTimes: number[] = [];
    let bytes = 0;
    let refBytes = 0;
    let groupBytes = 0;
    let groupRefBytes = 0;
    let n = 0;
    const start = i;
    while (i < plans.length && n < BLOCK_ENTRIES && bytes < BLOCK_BYTES && refBytes < BLOCK_BYTES && groupBytes < GROUP_BYTES && groupRefBytes < GROUP_BYTES) {
      const p = plans[i]!;
      const s = await target.read(prevEnd, p.e.dataOffset - prevEnd);
      const f = takeFields(s);
      stats.structBytes += s.length;
      let oldTime = -1;
      const o = p.hdr >= 0 ? await oldStruct(p.hdr) : undefined;
      if (o) {
        refBytes += o.length; // (counted even when not loaded: the decoder holds it until the block is rebuilt)
        const of = takeFields(o);
        if (of.flags & FIELD.MTIME) oldTime = of.mtime;
      }
      // A header repacked unchanged (time and checksum aside) is not sent at all from version 3 on.
      if (version === 3 && o && o.equals(s)) f.flags |= STRUCT_SAME;
      else {
        structParts.push(s);
        bytes += s.length;
        if (o) refParts.push(o);
      }
      fields.push(f);
      oldTimes.push(oldTime);
      if (p.kind === DATA.SMALL) {
        const d = await target.read(p.e.dataOffset, p.e.dataLen);
        lits.push(d);
        bytes += d.length;
      } else if (p.kind === DATA.GROUPED) {
        const d = await target.read(p.e.dataOffset, p.e.dataLen);
        groupParts.push(d);
        groupBytes += d.length;
        const o = all[p.ref]!;
        const od = await dataReaders[o.layer]!.read(o.dataOffset, o.dataLen); // (a copy: a view would pin its whole read window until the block is coded)
        groupRefParts.push(od);
        groupRefBytes += od.length;
      } else if (p.kind === DATA.DELTA || p.kind === DATA.BIG || p.kind === DATA.GZ_DELTA) bigs.push(p);
      prevEnd = p.e.dataOffset + p.e.dataLen;
      i++;
      n++;
    }
    const last = i >= plans.length;
    const ops: EntryOp[] = [];
    for (const [k, p] of plans.slice(start, i).entries()) {
      const f = fields[k]!;
      let timeDelta = 0;
      if (f.flags & FIELD.MTIME) {
        // Against the old header's time when it has one (an unchanged file: 0), else the entry before's.
        const o = oldTimes[k]!;
        timeDelta = f.mtime - (o >= 0 ? o : lastTime);
        lastTime = f.mtime;
      }
      ops.push({ structLen: p.e.dataOffset - p.e.structStart, flags: f.flags, timeDelta, hdr: renum(p.hdr), dataLen: p.e.dataLen, kind: p.kind, ref: renum(p.ref), recipe: p.recipe, contentLen: p.contentLen });
    }
    let trailerLen = 0;
    if (last) {
      const trailer = await target.read(prevEnd, target.size - prevEnd);
      structParts.push(trailer);
      trailerLen = trailer.length;
      stats.structBytes += trailerLen;
    }
    const opBytes = coder.encode({ ops, last, trailer: trailerLen });
    const struct = Buffer.concat(structParts);
    const ref = refParts.length ? Buffer.concat(refParts) : undefined;
    const lit = Buffer.concat(lits);
    const group = Buffer.concat(groupParts);
    stats.deltaBytes += group.length;
    stats.literalBytes += lit.length;
    const mine = { src: true, ref: true };
    await emit(opBytes, 19, undefined, (n) => { stats.opsCost += n; stats.structCost += n; });
    await emit(struct, struct.length < (1 << 20) ? 19 : 9, ref, (n) => (stats.structCost += n), mine);
    await emit(lit, lit.length < (1 << 20) ? 19 : 9, undefined, (n) => (stats.literalCost += n), mine);
    await emit(group, groupLevel(group.length), groupRefParts.length ? Buffer.concat(groupRefParts) : undefined, (n) => (stats.deltaCost += n), mine);
    for (const p of plans.slice(start, i)) {
      if (p.kind === DATA.SAME) stats.sameBytes += p.e.dataLen;
    }
    // Big files and delta-coded files: one frame per segment, after the block.
    for (const p of bigs) {
      if (p.kind === DATA.GZ_DELTA) {
        // One frame: the new content against the old content (both bounded by GZ_CONTENT_MAX, so one frame's worth).
        const o = all[p.ref]!;
        const content = gunzipBounded(await target.read(p.e.dataOffset, p.e.dataLen));
        const oldContent = gunzipBounded(await dataReaders[o.layer]!.read(o.dataOffset, o.dataLen));
        if (!content || !oldContent || content.length !== p.contentLen) throw new StowageError(`${what}: ${p.e.name} changed while its patch was made`);
        await emit(content, segmentLevel(content.length, oldContent.length), oldContent, (n) => (stats.deltaCost += n), { src: true, ref: true });
        stats.deltaBytes += p.e.dataLen;
        continue;
      }
      const old = p.kind === DATA.DELTA ? all[p.ref]! : undefined;
      const elf = old !== undefined && (await target.read(p.e.dataOffset, 4)).equals(ELF_MAGIC);
      for (let at = 0; at < p.e.dataLen; at += SEGMENT) {
        const len = Math.min(SEGMENT, p.e.dataLen - at);
        const seg = await target.read(p.e.dataOffset + at, len);
        let refBuf: Buffer | undefined;
        if (old) {
          const w = refWindow(at, len, p.e.dataLen, old.dataLen);
          refBuf = await dataReaders[old.layer]!.read(old.dataOffset + w.start, w.len); // (a buffer of its own: moved to the zstd thread)
        }
        if (old) stats.deltaBytes += len;
        else stats.literalBytes += len;
        // Changed executables and libraries go to the zstd thread (levels 12 and 18: most of a security update's zstd
        // time). Other big segments stay here: on the app pair (9 MB bundles at 9) the thread's second set of tables
        // and its queue took the peak RSS to 242-257 MB, where this thread alone stays at 200-230.
        await emit(seg, segmentLevel(len, refBuf?.length, elf), refBuf, old ? (n) => (stats.deltaCost += n) : (n) => (stats.literalCost += n), { src: true, ref: true }, elf);
      }
    }
    if (last) break;
  }
  while (sent.length) await writeOldest();
  out.end();
  await once(out, 'finish').catch((e: unknown) => {
    throw isWriteFailure(e) ? fsError(e, `temporary folder ${dirname(outPath)} (the patch of ${what})`, TMP_HINT) : e;
  });
  return { bases: keep.map((l) => bases.diffIds[l]!), size, digest: `sha256:${digest.digest('hex')}`, stats };
}

/**
 * The layer patch version written: 3, or 2 when STOWAGE_PATCH_VERSION=2 asks (the tests of the reader's older
 * versions make their patches so; nothing else should).
 */
function patchVersion(): 2 | 3 {
  return process.env.STOWAGE_PATCH_VERSION === '2' ? 2 : 3;
}

/**
 * zstd levels for file data: high for small pieces (cheap there, and most of a patch's bytes), lower for big
 * segments, whose high-level tables cost time and memory. A big segment coded against its old file (a changed
 * executable or library) takes 9: on a Python security update (python3.11, libcrypto, libpython: 15.4 MB) the patch
 * was 2.72 MB where 3 gave 3.30 MB. Level 11 made 2.48 MB and 12 2.45 MB, but their tables (65 and 100 MB for a
 * segment and its reference) took the delta of the app pair past 256 MB (273-290 MB, where 9 stays at 240); 19 takes
 * ten times as long. A big literal is mostly compressed data, which no level shrinks.
 */
function segmentLevel(len: number, refLen: number | undefined, elf = false): number {
  const env = process.env.STOWAGE_PATCH_LEVELS?.split(',').map(Number);
  if (env && env.length === 3) return len <= (64 << 10) ? env[0]! : len <= (1 << 20) ? env[1]! : env[2]!;
  if (len <= 64 << 10) return 15;
  // A changed executable or library, its segment and reference within 16 MiB (python3.11, libcrypto, perl: the
  // bulk of a security update; libssl, libpcre2 and the Python extension modules under 1 MiB), takes elfLevel().
  if (elf && refLen !== undefined && len + refLen <= ELF_BYTES) return elfLevel(len);
  if (len <= 1 << 20) return 6;
  return refLen === undefined ? 3 : 9;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/**
 * Executables and libraries are where a security update's patch is (python3.11 alone 1.33 MB at 9, 1.10 at 12, 0.94
 * at 19, xdelta3 1.25), and their tables stay bounded when segment and reference are at most 16 MiB together (one
 * segment: a file of up to 8 MiB against an old one of as much). On the Debian + Python pair, 12 for those over
 * 1 MiB took the patch from 2,321,920 to 2,055,168 B (peak RSS 186 -> 241 MB; 12 for every big segment takes the app
 * pair's 9 MB bundles past 256 MB, so only ELF files get it); 19 for those of 64 KiB to 1 MiB (libssl, libpcre2, the
 * Python extension modules; small tables) to 2,019,328 B for 1.3 s more CPU (12 there: 2,051,072). 18 there (btultra
 * where 19 is btultra2, which codes the first block twice) makes those 7 files 203 B bigger of 180,744 for 30% less
 * CPU (0.93 -> 0.66 s); 17 and 16 cost 18-19 KB more, 13 is slower than 12 and bigger.
 * STOWAGE_PATCH_ELF_LEVEL=MID,BIG overrides them, for measuring.
 */
const ELF_BYTES = 16 << 20;
function elfLevel(len: number): number {
  const env = process.env.STOWAGE_PATCH_ELF_LEVEL?.split(',').map(Number);
  const mid = len <= 1 << 20;
  if (env?.length === 2 && env.every((n) => Number.isInteger(n) && n >= 1 && n <= 19)) return mid ? env[0]! : env[1]!;
  return mid ? 18 : 12;
}

/**
 * A block ends when its grouped deltas or their old files pass this: the frame's tables stay small (a 4 MiB group
 * against 4 MiB of old files took 60 MB more of the 256 MB), and what grouping saves is had well before.
 */
const GROUP_BYTES = 1 << 20;

/**
 * Input bytes (data and references) of the frames sent and not yet written, besides the oldest (the one the thread
 * is on, or the next to write): what the zstd thread may hold queued, and the small frames waiting behind a slow
 * one (a big executable at level 12 takes a second). Counting the oldest too stalled the encoder at every big
 * segment (16 MiB with its reference), so the thread and the encoder never worked at once.
 */
const IN_FLIGHT = 8 << 20;

/**
 * The level of a block's grouped small deltas (one frame against their old files, one reference load a block, where
 * one frame each at 15 spent 1.8 s loading 986 references on the Python update): 9 made the same patch as 12 within
 * 1 kB, with smaller tables; 19 saved 0.8% at 2.8x the CPU time on its 1 MiB groups (about 0.4 s of CPU each). A
 * group up to 256 KiB takes 19: tens of milliseconds, and the logs and caches a rebuild rewrites cost a quarter less
 * (the Debian rebuild's 90 KB group: 3,066 -> 2,297 B; the app pair's 97 and 195 KB groups likewise).
 */
function groupLevel(len: number): number {
  const env = Number(process.env.STOWAGE_PATCH_GROUP_LEVEL);
  if (Number.isInteger(env) && env >= 1 && env <= 19) return env;
  return len <= 256 << 10 ? 19 : 9;
}

/**
 * The base layers of `set` that `keep` accepts, as a set of their own (a bundle codes a layer against what one site
 * holds): the same indexed entries, renumbered, so nothing is read again.
 */
export function subsetBases(set: BaseSet, keep: (diffId: Digest) => boolean): BaseSet {
  const out: BaseSet = { files: [], diffIds: [], entries: [] };
  set.diffIds.forEach((d, i) => {
    if (!keep(d)) return;
    const j = out.files.length;
    out.files.push(set.files[i]!);
    out.diffIds.push(d);
    out.entries.push(set.entries[i]!.map((e) => ({ ...e, layer: j })));
  });
  return out;
}
