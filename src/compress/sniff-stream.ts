/**
 * A one-pass input (standard input, a pipe) that may be compressed as a whole (`docker save | gzip`): the first
 * bytes are read to tell gzip or zstd from a plain tar, then the stream goes on through the decompressor. Nothing
 * but the first chunk or two is held.
 */
import { decompress } from './decompress.js';
import { sniff, SNIFF_BYTES, type Sniffed } from './detect.js';

export interface SniffedStream {
  kind: Sniffed;
  /** The bytes of the tar (decompressed when the input was gzip or zstd). */
  chunks: AsyncIterable<Buffer>;
}

/** Peeks at `input` and returns its tar bytes, decompressing a gzip or zstd stream. `label` names it in errors. */
export async function sniffStream(input: AsyncIterable<Buffer>, label: string): Promise<SniffedStream> {
  const it = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) { ended = true; break; }
    head.push(r.value);
    have += r.value.length;
  }
  const first = Buffer.concat(head);
  async function* replay(): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const kind = sniff(first.subarray(0, SNIFF_BYTES));
  if (kind === 'gzip' || kind === 'zstd') return { kind, chunks: decompress(kind, replay(), `${label} (${kind})`) };
  return { kind, chunks: replay() };
}
