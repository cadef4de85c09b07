/** oci: and oci-archive: as destinations: an OCI image layout in a new (or existing) directory, or in a tar. */
import { openDirOutput } from '../../fs/atomic-output.js';
import { writeFileThroughSink } from '../../fs/file-output.js';
import { fsError, isWriteFailure } from '../../fs/fs-errors.js';
import { DirSink } from '../../fs/sink.js';
import type { WritableImage } from '../../image/writable.js';
import type { DestSpec, WriteOptions, WriteResult } from '../dest.js';
import { addToLayout, isLayout } from './add.js';
import { writeLayoutFiles, type LayoutWriteOptions } from './write.js';

function layoutOptions(dest: DestSpec, opts: WriteOptions): LayoutWriteOptions {
  return {
    ...(opts.onLayer ? { onLayer: opts.onLayer } : {}),
    ...(opts.verifyDiffIds ? { verifyDiffIds: true } : {}),
    // A tag given with the destination is the ref name of the index.json entry.
    ...(dest.tag ? { refName: dest.tag } : {}),
  };
}

export async function writeOciDir(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<WriteResult> {
  const layoutOpts = layoutOptions(dest, opts);
  if (await isLayout(dest.path)) {
    // An existing layout takes the images as new entries (a tag already there moves), as skopeo and umoci do.
    const r = await addToLayout(dest.path, images, layoutOpts);
    return { layersWritten: r.layersWritten, layerBytes: r.layerBytes, omitted: [], bytes: r.bytes };
  }
  const out = await openDirOutput(dest.path);
  try {
    const sink = new DirSink(out.dir);
    const r = await writeLayoutFiles(sink, images, layoutOpts);
    await opts.beforeCommit?.();
    await out.commit();
    return { layersWritten: r.layersWritten, layerBytes: r.layerBytes, omitted: [], bytes: sink.bytes };
  } catch (e) {
    await out.abort();
    throw isWriteFailure(e) ? fsError(e, dest.path, 'nothing written') : e;
  }
}

export async function writeOciArchive(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<WriteResult> {
  return writeFileThroughSink(dest.path, async (sink) => {
    const l = await writeLayoutFiles(sink, images, layoutOptions(dest, opts));
    return { layersWritten: l.layersWritten, layerBytes: l.layerBytes, omitted: [] };
  }, opts.beforeCommit);
}
