/**
 * zstd with the one thing a patch needs beyond plain compression: a *reference* the compressor may copy from,
 * loaded whole so every match in it is found (ZSTD_c_forceAttachDict = ZSTD_dictForceLoad, with long-distance
 * matching; a plain dictionary load finds far fewer, measured 2.76 MB vs 3 kB on a 6.8 MB binary with 200 bytes
 * changed). This is what `zstd --patch-from` does with its reference prefix. Node's own zlib zstd cannot do it (its
 * dictionary is attached, not loaded: at levels 3 and 6 a 16 MiB reference is not used at all, and the force-load
 * parameter is refused), so the work is done by zstd-napi when that native addon loads, else by the same zstd built
 * to WebAssembly (zstd-wasm.ts), which makes the same frames; STOWAGE_ZSTD=wasm or native picks one. Every call is
 * one-shot on bounded buffers (callers cut big files into segments), so memory stays bounded.
 */
import { StowageError } from '../errors.js';
import { loadNative, type ZstdBackend } from './zstd-native.js';
import { loadWasm } from './zstd-wasm.js';

/** The magic number a zstd-formatted dictionary starts with (little-endian). */
const DICT_MAGIC = 0xec30a437;
/** Below this, a reference is not worth loading. */
const MIN_REF = 64;

let backend: ZstdBackend | undefined;

/** The zstd in use: chosen on first use, once. */
export function zstdBackend(): ZstdBackend {
  if (backend) return backend;
  const want = process.env.STOWAGE_ZSTD;
  if (want !== undefined && want !== 'native' && want !== 'wasm') {
    throw new StowageError(`STOWAGE_ZSTD=${want}: expected native or wasm`);
  }
  if (want !== 'wasm') {
    const n = loadNative();
    if (!(n instanceof Error)) return (backend = n);
    if (want === 'native') {
      throw new StowageError(`STOWAGE_ZSTD=native: the zstd-napi module did not load (${n.message.split('\n')[0]})`);
    }
  }
  try {
    return (backend = loadWasm());
  } catch (e) {
    throw new StowageError(`patch deltas need zstd: wasm/zstd.wasm did not load (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * The bytes actually loaded as a reference. A reference that starts with the dictionary magic would be parsed as a
 * formatted dictionary by zstd-napi (which has no raw-content load): its first byte is dropped, on both sides and
 * with both backends alike, so patches stay the same whichever made them.
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

/** One zstd frame of `src`, matched against `ref` when given. */
export function compress(src: Buffer, level: number, ref?: Buffer): Buffer {
  const z = zstdBackend();
  const r = usableRef(ref);
  try {
    return z.compress(src, level, windowLogFor(src.length + (r?.length ?? 0)), r);
  } catch (e) {
    throw new StowageError(`zstd (${z.name}) could not compress ${src.length} bytes: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Decompresses one frame of exactly `size` bytes, with the reference it was made with. */
export function decompress(frame: Buffer, size: number, ref: Buffer | undefined, what: string): Buffer {
  const z = zstdBackend();
  let out: Buffer;
  try {
    out = z.decompress(frame, size, usableRef(ref));
  } catch (e) {
    throw new StowageError(`${what}: corrupt patch data (${(e as Error).message.split('\n')[0]})`, { code: 'corrupt' });
  }
  if (out.length !== size) throw new StowageError(`${what}: corrupt patch data (${out.length} bytes decoded, ${size} expected)`, { code: 'corrupt' });
  return out;
}
