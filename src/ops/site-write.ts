/**
 * Writing a bundle's images where they land. One destination takes them all (an engine, an OCI layout, a file);
 * a registry's root (`docker://SITE/`) takes each image under its own name (site-names.ts), one write per name,
 * each proved and committed by the write pipeline on its own: a failure leaves the images before it delivered
 * whole and tagged, none half-delivered, and a re-run finds their blobs there (nothing is uploaded twice).
 */
import { StowageError } from '../errors.js';
import type { WritableImage } from '../image/writable.js';
import type { WriteOptions, WriteResult } from '../transports/contract.js';
import { parseDestSpec, writeImages } from '../transports/dest.js';
import { nameOnSite, registryRoot } from './site-names.js';

export async function writeWhereTheyLand(output: string, images: WritableImage[], opts: WriteOptions): Promise<WriteResult & { landed?: string[] }> {
  const host = registryRoot(output);
  if (!host) return writeImages(parseDestSpec(output, 'docker-archive'), images, opts);
  const total: WriteResult & { landed: string[] } = { layersWritten: 0, layerBytes: 0, omitted: [], bytes: 0, landed: [] };
  for (const img of images) {
    if (!img.tags.length) throw new StowageError(`${output}: image ${img.configDigest} has no name to push it under; give docker://${host}/REPO:TAG`);
    for (const tag of img.tags) {
      const ref = `docker://${host}/${nameOnSite(tag)}`;
      const r = await writeImages(parseDestSpec(ref, 'docker-archive'), [img], opts);
      total.layersWritten += r.layersWritten;
      total.layerBytes += r.layerBytes;
      total.bytes += r.bytes;
      total.landed.push(ref);
    }
  }
  return total;
}
