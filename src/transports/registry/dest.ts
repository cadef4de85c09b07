/** docker:// as a destination: the images are pushed (the tag moves last, so a failure changes nothing). */
import type { WritableImage } from '../../image/writable.js';
import type { DestSpec, WriteOptions, WriteResult } from '../dest.js';
import { pushImages } from './push.js';

export async function pushDest(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<WriteResult> {
  const r = await pushImages(dest.path, images, { ...opts.push, ...(opts.onLayer ? { onLayer: opts.onLayer } : {}) });
  return { layersWritten: r.uploaded, layerBytes: r.bytesUploaded, omitted: [], bytes: r.bytesUploaded, push: r };
}
