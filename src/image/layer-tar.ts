/**
 * The layers of an image as inputs of the one-pass merge (export, squash, diff --files): each opens its
 * uncompressed tar through the layer (a plain tar in a real file is read by offset, skipping unneeded entries).
 */
import type { MergeLayer } from '../layerfs/merge.js';
import type { ImageSource, SourceImage } from './model.js';

/** The layers of an image, from `from` (0-based, bottom first) up, as merge inputs. */
export function mergeInputs(src: ImageSource, img: SourceImage, from = 0): MergeLayer[] {
  const n = img.layers.length;
  return src.layers(img).slice(from).map((l) => {
    const label = `${src.spec}: layer ${l.index + 1}/${n}`;
    return { label, open: () => l.tar(label) };
  });
}
