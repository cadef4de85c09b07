/** docker:// as a destination: the blobs are uploaded when staged; the commit puts the manifests, the tag last. */
import type { WritableImage } from '../../image/writable.js';
import type { DestSpec, StagedWrite, WriteOptions, WriteResult } from '../contract.js';
import { stagedWrite } from '../staged.js';
import { stagePush } from './push.js';

export async function stageRegistryPush(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<StagedWrite> {
  const staged = await stagePush(dest.path, images, { ...opts.push, ...(opts.onLayer ? { onLayer: opts.onLayer } : {}) });
  const r = staged.result;
  const result: WriteResult = { layersWritten: r.uploaded, layerBytes: r.bytesUploaded, omitted: [], bytes: r.bytesUploaded, push: r };
  return stagedWrite(result, () => staged.commit(), () => staged.abort());
}
