/**
 * zstd through zstd-napi, the native addon, when it is installed and built (an optional dependency: its install
 * compiles it with node-gyp, so it is missing where there is no compiler or install scripts do not run; then
 * zstd-wasm.ts does the same work). The parameters are the ones scripts/zstd-wasm/shim.c sets, so both make the
 * same frames.
 */
import { createRequire } from 'node:module';

/** What a patch needs of zstd; the buffers are bounded by the callers (segments), each call is one frame. */
export interface ZstdBackend {
  readonly name: 'native' | 'wasm';
  /** One frame of `src` at `level` with a window of 2^windowLog, matched against `ref` loaded whole when given. */
  compress(src: Buffer, level: number, windowLog: number, ref: Buffer | undefined): Buffer;
  /** The bytes of one frame (at most `size` of them), made with `ref`. Throws zstd's message when it is corrupt. */
  decompress(frame: Buffer, size: number, ref: Buffer | undefined): Buffer;
}

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

/** ZSTD_c_experimentalParam4 (ZSTD_c_forceAttachDict) in zstd.h 1.5.x. */
const FORCE_ATTACH_DICT = 1001;
/** ZSTD_dictForceLoad. */
const DICT_FORCE_LOAD = 3;
/** ZSTD_reset_session_and_parameters: also drops the loaded reference. */
const RESET_ALL = 3;
/** The input of the frame that builds a reference's CDict cheaply (its output is dropped). */
const ONE_BYTE = Buffer.alloc(1);

class NativeZstd implements ZstdBackend {
  readonly name = 'native';
  // One context each, reused: a context holds its tables (tens of MB at high levels) natively until the JS object
  // is collected, so a new one per frame would let memory pile up between collections.
  private cctx: CCtx | undefined;
  private dctx: DCtx | undefined;
  private scratch: Buffer = Buffer.alloc(0);
  constructor(private readonly z: Binding) {}

  compress(src: Buffer, level: number, windowLog: number, ref: Buffer | undefined): Buffer {
    const z = this.z;
    const c = (this.cctx ??= new z.CCtx());
    // One scratch output buffer, reused (frames are mostly far smaller than their input; only the frame is copied).
    const need = src.length + (src.length >> 7) + 1024;
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(need);
    c.reset(RESET_ALL);
    if (ref) {
      // zstd-napi has no ZSTD_CCtx_refPrefix: a loaded dictionary becomes a CDict, built with the parameters set at
      // the first compression, which force-load then throws away (it indexes the reference again into the working
      // tables). So the CDict is built at level 1 (a small hash table) by a one-byte frame, and the real frame,
      // with the level set after it, reuses that CDict: the same bytes as loading at the real level (the working
      // tables are indexed at the real level either way), without a second high-level index of the reference (a
      // level-12 frame of python3.11 against its old self: 20-25% less time, 40 MB less memory).
      c.setParameter(z.CParameter.compressionLevel!, 1);
      c.setParameter(z.CParameter.windowLog!, windowLog);
      c.setParameter(FORCE_ATTACH_DICT, DICT_FORCE_LOAD);
      c.loadDictionary(ref);
      c.compress2(this.scratch, ONE_BYTE);
      c.setParameter(z.CParameter.enableLongDistanceMatching!, 1);
    }
    c.setParameter(z.CParameter.compressionLevel!, level);
    c.setParameter(z.CParameter.windowLog!, windowLog);
    const n = c.compress2(this.scratch, src);
    return Buffer.from(this.scratch.subarray(0, n));
  }

  decompress(frame: Buffer, size: number, ref: Buffer | undefined): Buffer {
    const z = this.z;
    const d = (this.dctx ??= new z.DCtx());
    d.reset(RESET_ALL);
    d.setParameter(z.DParameter.windowLogMax!, 31);
    if (ref) d.loadDictionary(ref);
    const out = Buffer.allocUnsafe(size);
    return out.subarray(0, d.decompress(out, frame));
  }
}

/** zstd-napi's binding, or the reason it did not load. */
export function loadNative(): ZstdBackend | Error {
  try {
    return new NativeZstd(createRequire(import.meta.url)('zstd-napi/binding.js') as Binding);
  } catch (e) {
    return e as Error;
  }
}
