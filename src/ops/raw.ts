/**
 * `inspect --raw`: a document exactly as the source holds it, byte for byte (as `crane config`, `crane manifest`
 * and `skopeo inspect --raw` print them), so `stowage inspect --raw config X | sha256sum` is the image ID.
 */
import { StowageError } from '../errors.js';
import type { ImageSource } from '../image/model.js';
import type { Platform } from '../oci/platform.js';
import { pickOne } from '../transports/open.js';

export const RAW_KINDS = ['config', 'manifest', 'index'] as const;
export type RawKind = (typeof RAW_KINDS)[number];

export interface RawDocument {
  bytes: Buffer;
  /** Said on standard error when the bytes are not stored in the source (a synthesized manifest). */
  note?: string;
}

export function rawDocument(src: ImageSource, kind: RawKind, platform?: Platform): RawDocument {
  if (kind === 'index') {
    const bytes = src.registry?.index ?? src.index?.bytes;
    if (!bytes) {
      throw new StowageError(`${src.spec}: holds no image index (${src.registry ? 'the reference names a single manifest' : 'a docker save before Docker 25 has manifest.json only'}); try --raw manifest`);
    }
    return { bytes };
  }
  const img = pickOne(src, platform);
  if (kind === 'config') return { bytes: img.config.bytes };
  if (!img.manifest) throw new StowageError(`${src.spec}: no manifest (${img.manifestMissing ?? 'the source holds none'})`);
  if (img.manifest.origin === 'synthesized') {
    return { bytes: img.manifest.bytes, note: 'the source holds no manifest: this one is synthesized by stowage (Docker schema 2 naming the layers by DiffID, the bytes skopeo hashes); a registry\'s will differ' };
  }
  return { bytes: img.manifest.bytes };
}
