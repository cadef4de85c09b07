/**
 * `export`: the merged filesystem of an image as one tar, without a container (what `docker export` gives for a
 * created container, minus the files docker adds: .dockerenv, /dev, /proc, /sys, /etc/hosts, ...). The layers are
 * merged in one streaming pass, top layer first (src/layerfs/merge.ts).
 */
import { polling } from '../image/progress.js';
import type { Writable } from 'node:stream';
import { mergeInputs } from '../image/layer-tar.js';
import { NO_PROOF, proveLayers } from '../image/proof.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import { formatPlatform } from '../oci/platform.js';
import type { Digest } from '../oci/digest.js';
import { mergeLayers, type MergeStats } from '../layerfs/merge.js';
import { TarWriter } from '../tar/writer.js';

export interface ExportOptions {
  /** false (--no-verify): the layers read are not proved against their DiffIDs and descriptors. */
  verify?: boolean;
  /** Called about every 200 ms with the bytes written so far. */
  onProgress?: (bytes: number) => void;
}

export interface ExportReport {
  schema: 'stowage.export/v1';
  source: string;
  image: { tags: string[]; imageId: Digest; platform: string; layers: number };
  /** What the merge did, entry by entry. */
  entries: MergeStats;
  /** Bytes of the tar written. */
  bytes: number;
  seconds: number;
  warnings: string[];
}

/** Writes the merged filesystem of `img` as a tar into `out` (the caller owns and closes the stream). */
export async function exportImage(src: ImageSource, img: SourceImage, out: Writable, opts: ExportOptions = {}): Promise<ExportReport> {
  const started = performance.now();
  const warnings: string[] = [];
  const w = new TarWriter(out);
  // Every layer is proved (DiffID, size, descriptor) by worker threads while the merge reads it; the caller commits
  // the output only when this returns.
  const proof = opts.verify === false ? NO_PROOF : proveLayers(src, src.layers(img));
  const entries: MergeStats = await polling(opts.onProgress, () => w.bytes, async () => {
    const stats = await mergeLayers(mergeInputs(src, img), w, { impliedDirs: true, warn: (m) => warnings.push(m) });
    await w.finish();
    await proof.done();
    return stats;
  });
  return {
    schema: 'stowage.export/v1',
    source: src.spec,
    image: { tags: img.tags, imageId: img.config.digest, platform: formatPlatform(img.platform), layers: img.layers.length },
    entries,
    bytes: w.bytes,
    seconds: (performance.now() - started) / 1000,
    warnings,
  };
}
