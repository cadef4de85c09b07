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
        e.hash = h.digest('hex');
      }
    }
    out.push(e);
    prevEnd = dataOffset + len;
  }
  return out;
}
