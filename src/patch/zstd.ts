/**
 * zstd through zstd-napi (built from source with node-gyp at install; no prebuilt download, see .npmrc), with the
 * one thing a patch needs beyond plain compression: a *reference* the compressor may copy from, loaded whole so
 * every match in it is found (the raw parameter ZSTD_c_forceAttachDict = ZSTD_dictForceLoad; a plain dictionary
 * load finds far fewer, measured 2.76 MB vs 3 kB on a 6.8 MB binary with 200 bytes changed). This is what
 * `zstd --patch-from` does with its reference prefix. Every call is one-shot on bounded buffers (callers cut big
 * files into segments), so memory stays bounded.
 */
import { createRequire } from 'node:module';
import { StowageError } from '../errors.js';

interface CCtx {
  setParameter(p: number, v: number): void;
  reset(r: number): void;
  loadDictionary(d: Uint8Array): void;
  compress2(dst: Uint8Array, src: Uint8Array): number;
}
interface DCtx {
  setParameter(p: number, v: number): void;
  reset(r: number): void;
  loadDictionary(d: Uint8Array): void;
  decompress(dst: Uint8Array, src: Uint8Array): number;
}
interface Binding {
  CCtx: new () => CCtx;
  DCtx: new () => DCtx;
  CParameter: Record<string, number>;
  DParameter: Record<string, number>;
}

let binding: Binding | undefined;
function zstd(): Binding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;
  } catch (e) {
    throw new StowageError(`patch deltas need the zstd-napi module, which did not load (${(e as Error).message.split('\n')[0]}); run npm ci with python3, make and g++ installed`);
  }
  return binding;
}

/** ZSTD_c_experimentalParam4 in zstd.h (1.5.x). */
const FORCE_ATTACH_DICT = 1001;
/** ZSTD_dictForceLoad. */
const DICT_FORCE_LOAD = 3;
/** The magic number a zstd-formatted dictionary starts with (little-endian). */
const DICT_MAGIC = 0xec30a437;
/** Below this, a reference is not worth loading. */
const MIN_REF = 64;

/**
 * The bytes actually loaded as a reference. A reference that starts with the dictionary magic would be parsed as a
 * formatted dictionary (the binding has no raw-content load): its first byte is dropped, on both sides alike.
 */
export function usableRef(ref: Buffer | undefined): Buffer | undefined {
  if (!ref || ref.length < MIN_REF) return undefined;
  return ref.readUInt32LE(0) === DICT_MAGIC ? ref.subarray(1) : ref;
}

function windowLogFor(n: number): number {
  let w = 10;
  while (w < 30 && 2 ** w < n) w++;
  return w;
}

/** ZSTD_reset_session_and_parameters: also drops the loaded reference. */
const RESET_ALL = 3;

// One context each, reused: a context holds its tables (tens of MB at high levels) natively until the JS object is
// collected, so a new one per frame would let memory pile up between collections.
let cctx: CCtx | undefined;
let dctx: DCtx | undefined;
let scratch: Buffer = Buffer.alloc(0);

/** One zstd frame of `src`, matched against `ref` when given. */
export function compress(src: Buffer, level: number, ref?: Buffer): Buffer {
  const z = zstd();
  const c = (cctx ??= new z.CCtx());
  c.reset(RESET_ALL);
  const r = usableRef(ref);
  c.setParameter(z.CParameter.compressionLevel!, level);
  c.setParameter(z.CParameter.windowLog!, windowLogFor(src.length + (r?.length ?? 0)));
  if (r) {
    c.setParameter(z.CParameter.enableLongDistanceMatching!, 1);
    c.setParameter(FORCE_ATTACH_DICT, DICT_FORCE_LOAD);
    c.loadDictionary(r);
  }
  // One scratch output buffer, reused (frames are mostly far smaller than their input; only the frame is copied out).
  const need = src.length + (src.length >> 7) + 1024;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(need);
  const n = c.compress2(scratch, src);
  return Buffer.from(scratch.subarray(0, n));
}

/** Decompresses one frame of exactly `size` bytes, with the reference it was made with. */
export function decompress(frame: Buffer, size: number, ref: Buffer | undefined, what: string): Buffer {
  const z = zstd();
  const d = (dctx ??= new z.DCtx());
  d.reset(RESET_ALL);
  d.setParameter(z.DParameter.windowLogMax!, 31);
  const r = usableRef(ref);
  if (r) d.loadDictionary(r);
  const out = Buffer.allocUnsafe(size);
  let n: number;
  try {
    n = d.decompress(out, frame);
  } catch (e) {
    throw new StowageError(`${what}: corrupt patch data (${(e as Error).message})`, { code: 'corrupt' });
  }
  if (n !== size) throw new StowageError(`${what}: corrupt patch data (${n} bytes decoded, ${size} expected)`, { code: 'corrupt' });
  return out;
}
