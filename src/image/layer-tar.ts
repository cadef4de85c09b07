/**
 * A layer's uncompressed tar as a byte source, for operations that read the files inside layers (export, squash).
 * A plain tar stored in a real file is read by offset, so entries nobody needs are skipped by seeking; gzip and
 * zstd layers are decompressed as they stream.
 */
import { StowageError } from '../errors.js';
import { decompress } from '../compress/decompress.js';
import { describeCompression } from '../compress/detect.js';
import { StreamByteSource, type ByteSource } from '../tar/bytesource.js';
import { ReadAheadFileSource } from '../tar/readahead-source.js';
import type { MergeLayer } from '../layerfs/merge.js';
import type { ImageSource, LayerRecord, SourceImage } from './model.js';

export async function openLayerTar(src: ImageSource, layer: LayerRecord, what: string): Promise<ByteSource> {
  if (!layer.present || !layer.path) throw new StowageError(`${what}: not in the source (a thin archive leaves it out); this needs every layer's files`);
  const kind = layer.compression ?? 'unknown';
  if (kind === 'none') {
    const region = await src.tree.region(layer.path);
    if (region) return ReadAheadFileSource.open(region.file, region.offset, region.offset + region.size);
    return new StreamByteSource(src.tree.open(layer.path));
  }
  if (kind !== 'gzip' && kind !== 'zstd') throw new StowageError(`${what}: ${describeCompression(kind)}; cannot read its files`);
  return new StreamByteSource(decompress(kind, src.tree.open(layer.path), what));
}

/** The layers of an image, from `from` (0-based, bottom first) up, as merge inputs. */
export function mergeInputs(src: ImageSource, img: SourceImage, from = 0): MergeLayer[] {
  const n = img.layers.length;
  return img.layers.slice(from).map((l) => {
    const label = `${src.spec}: layer ${l.index + 1}/${n}`;
    return { label, open: () => openLayerTar(src, l, label) };
  });
}
