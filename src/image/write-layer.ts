/**
 * Writes one layer's stored bytes into a sink, checked on the way: through the sink's own copy threads when the
 * bytes lie in a real file and the sink writes one (the fast path), else streamed and hashed (hashingCopy).
 */
import type { Sink } from '../fs/sink.js';
import { checkCopied, hashingCopy } from './copy-layer.js';
import type { WritableLayer } from './writable.js';

export async function writeLayerData(sink: Sink, name: string, layer: WritableLayer, what: string): Promise<void> {
  // A compressed layer whose DiffID is checked in-stream needs decompressing, which only the stream path does.
  const region = sink.copyRegion && (layer.compression === 'none' || !layer.diffIdInStream) ? await layer.locate?.() : undefined;
  if (region && region.size === layer.size) {
    // 'size': the caller vouches for the bytes (--no-verify): a plain copy, only the byte count held against them.
    const sizeOnly = layer.check === 'size' || layer.check === 'source';
    const { digest, size } = await sink.copyRegion!(name, layer.size, region, !sizeOnly);
    checkCopied(layer, what, digest ?? layer.digest ?? layer.diffId, size, undefined, sizeOnly);
    return;
  }
  await sink.stream(name, layer.size, hashingCopy(layer, what, sink.releasesOnPull === true));
}
