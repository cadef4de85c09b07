/**
 * zstd as WebAssembly (wasm/zstd.wasm: zstd 1.5.7's C library plus scripts/zstd-wasm/shim.c, built by
 * scripts/zstd-wasm/build.sh), so patch deltas need no compiler at install and no native addon. It makes the same
 * frames, byte for byte, as the same zstd through zstd-napi (zstd-native.ts): the shim sets the same parameters.
 * The module is compiled on first use; its memory grows to the largest call's needs and is reused after.
 */
import { readFileSync } from 'node:fs';
import type { ZstdBackend } from './zstd-native.js';

/** The little of the WebAssembly JS API used here (the ES2022 lib this project compiles against does not have it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: { buffer: ArrayBuffer };
  sw_malloc(n: number): number;
  sw_free(p: number): void;
  sw_compress(dst: number, cap: number, src: number, len: number, ref: number, refLen: number, level: number, windowLog: number): number;
  sw_decompress(dst: number, cap: number, src: number, len: number, ref: number, refLen: number): number;
  sw_error(code: number): number;
  sw_version(): number;
}

/** Where the module lies from dist/src/patch/ (and from src/patch/ alike): the package's wasm/ folder. */
export const WASM_URL = new URL('../../../wasm/zstd.wasm', import.meta.url);

/** One region of the module's memory, kept and grown as calls need more (memory.grow never gives back anyway). */
class Region {
  ptr = 0;
  cap = 0;
  constructor(private readonly x: Exports) {}
  fit(n: number): number {
    if (n <= this.cap) return this.ptr;
    if (this.ptr) this.x.sw_free(this.ptr);
    const cap = Math.max(n, Math.min(this.cap * 2, n + (16 << 20)));
    this.ptr = this.x.sw_malloc(cap);
    this.cap = this.ptr ? cap : 0;
    if (!this.ptr) throw new Error(`out of WebAssembly memory for ${n} bytes`);
    return this.ptr;
  }
}

class WasmZstd implements ZstdBackend {
  readonly name = 'wasm';
  private readonly src: Region;
  private readonly ref: Region;
  private readonly dst: Region;
  constructor(private readonly x: Exports) {
    this.src = new Region(x);
    this.ref = new Region(x);
    this.dst = new Region(x);
  }

  /** Copies `b` into `r` (a fresh view each time: growing the memory detaches the old one). */
  private put(r: Region, b: Buffer | undefined): number {
    if (!b || b.length === 0) return 0;
    const p = r.fit(b.length);
    new Uint8Array(this.x.memory.buffer, p, b.length).set(b);
    return p;
  }

  private check(n: number): number {
    if (n >= 0) return n;
    const p = this.x.sw_error(n);
    const mem = new Uint8Array(this.x.memory.buffer);
    let e = p;
    while (mem[e] !== 0) e++;
    throw new Error(Buffer.from(mem.subarray(p, e)).toString('latin1'));
  }

  compress(src: Buffer, level: number, windowLog: number, ref: Buffer | undefined): Buffer {
    const cap = src.length + (src.length >> 7) + 1024;
    const d = this.dst.fit(cap);
    const s = this.put(this.src, src);
    const r = this.put(this.ref, ref);
    const n = this.check(this.x.sw_compress(d, cap, s, src.length, r, ref?.length ?? 0, level, windowLog));
    return Buffer.from(new Uint8Array(this.x.memory.buffer, d, n));
  }

  decompress(frame: Buffer, size: number, ref: Buffer | undefined): Buffer {
    const d = this.dst.fit(Math.max(size, 1));
    const s = this.put(this.src, frame);
    const r = this.put(this.ref, ref);
    const n = this.check(this.x.sw_decompress(d, size, s, frame.length, r, ref?.length ?? 0));
    return Buffer.from(new Uint8Array(this.x.memory.buffer, d, n));
  }
}

/** Compiles and instantiates the module (synchronously: about half a megabyte, once per process). */
export function loadWasm(file: URL | string = WASM_URL): ZstdBackend {
  const mod = new WA.Module(readFileSync(file));
  const x = new WA.Instance(mod, {}).exports as unknown as Exports;
  return new WasmZstd(x);
}
