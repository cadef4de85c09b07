/**
 * The entries of the base layers a patch refers to, numbered the same way by the encoder and the decoder: the base
 * layers in the patch's order, each tar's entries in order, one number each. A patch names an old entry by that
 * number (coded as the distance from the one before, so runs cost nothing after zstd).
 */
import { createHash } from 'node:crypto';
import { LayerFile, dataLength } from './layer-file.js';

export interface BaseEntry {
  layer: number;
  /** Where the bytes before its data start (the padding of the entry before, then its header blocks). */
  structStart: number;
  dataOffset: number;
  dataLen: number;
  /** Encoder only: name, type, and content hash of the data. */
  name?: string;
  typeflag?: string;
  hash?: string;
}

export function normName(n: string): string {
  return n.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Indexes one layer's entries; `hash`: also hash every file's data (the encoder's view). */
export async function indexLayer(file: LayerFile, layer: number, hash: boolean): Promise<BaseEntry[]> {
  const out: BaseEntry[] = [];
  let prevEnd = 0;
  for await (const { entry, dataOffset } of file.entries()) {
    const len = dataLength(entry.header.typeflag, entry.header.size);
    const e: BaseEntry = { layer, structStart: prevEnd, dataOffset, dataLen: len };
    if (hash) {
      e.name = normName(entry.header.name);
      e.typeflag = entry.header.typeflag;
      if (len > 0) {
        const h = createHash('sha256');
        for await (const c of entry.body()) h.update(c);
        // The 32 bytes as a one-byte string: half the memory of hex, for a base of a million files.
        e.hash = h.digest().toString('latin1');
      }
    }
    out.push(e);
    prevEnd = dataOffset + len;
  }
  return out;
}

/**
 * The decoder's view of the base entries: offsets and lengths only, in typed columns (24 bytes an entry, where an
 * object each took about 150: a base layer of a million entries, node_modules or site-packages, is 24 MB here).
 */
export class BaseTable {
  private layerOf = new Uint32Array(1024);
  private cols = new Float64Array(3 * 1024);
  count = 0;

  static async of(files: LayerFile[]): Promise<BaseTable> {
    const t = new BaseTable();
    for (const [layer, file] of files.entries()) {
      let prevEnd = 0;
      for await (const { entry, dataOffset } of file.entries({ headers: true })) {
        const len = dataLength(entry.header.typeflag, entry.header.size);
        t.push(layer, prevEnd, dataOffset, len);
        prevEnd = dataOffset + len;
      }
    }
    return t;
  }

  private push(layer: number, structStart: number, dataOffset: number, dataLen: number): void {
    if (this.count === this.layerOf.length) {
      const l = new Uint32Array(this.count * 2);
      l.set(this.layerOf);
      this.layerOf = l;
      const c = new Float64Array(this.count * 6);
      c.set(this.cols);
      this.cols = c;
    }
    const i = this.count++;
    this.layerOf[i] = layer;
    this.cols[3 * i] = structStart;
    this.cols[3 * i + 1] = dataOffset;
    this.cols[3 * i + 2] = dataLen;
  }

  /** Entry `id`, or undefined when there is none (a number a patch names is checked here). */
  get(id: number): BaseEntry | undefined {
    if (!Number.isSafeInteger(id) || id < 0 || id >= this.count) return undefined;
    return { layer: this.layerOf[id]!, structStart: this.cols[3 * id]!, dataOffset: this.cols[3 * id + 1]!, dataLen: this.cols[3 * id + 2]! };
  }
}
