/** oci: and oci-archive: as destinations: an OCI image layout in a new (or existing) directory, or in a tar. */
import { openDirOutput } from '../../fs/atomic-output.js';
import { fsError, isWriteFailure } from '../../fs/fs-errors.js';
import { DirSink } from '../../fs/sink.js';
import type { WritableImage } from '../../image/writable.js';
import type { DestSpec, StagedWrite, WriteOptions, WriteResult } from '../contract.js';
import { stageArchiveFile } from '../staged-file.js';
import { stagedWrite } from '../staged.js';
import { isLayout, stageInLayout } from './add.js';
import { writeLayoutFiles, type LayoutWriteOptions } from './write.js';

function layoutOptions(dest: DestSpec, opts: WriteOptions): LayoutWriteOptions {
  return {
    ...(opts.onLayer ? { onLayer: opts.onLayer } : {}),
    // A tag given with the destination is the ref name of the index.json entry.
    ...(dest.tag ? { refName: dest.tag } : {}),
  };
}

/** A write failure (a full disk) in one line naming the layout. */
const named = (e: unknown, dest: DestSpec) => (isWriteFailure(e) ? fsError(e, dest.path, 'nothing written') : e);

export async function stageOciDir(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<StagedWrite> {
  const layoutOpts = layoutOptions(dest, opts);
  if (await isLayout(dest.path)) {
    // An existing layout takes the images as new entries (a tag already there moves), as skopeo and umoci do.
    let staged;
    try {
      staged = await stageInLayout(dest.path, images, layoutOpts);
    } catch (e) {
      throw named(e, dest);
    }
    const result: WriteResult = { layersWritten: staged.result.layersWritten, layerBytes: staged.result.layerBytes, omitted: [], bytes: staged.result.bytes };
    return stagedWrite(result, () => staged.commit().catch((e: unknown) => { throw named(e, dest); }), () => staged.abort());
  }
  const out = await openDirOutput(dest.path);
  let result: WriteResult;
  try {
    const sink = new DirSink(out.dir);
    const r = await writeLayoutFiles(sink, images, layoutOpts);
    result = { layersWritten: r.layersWritten, layerBytes: r.layerBytes, omitted: [], bytes: sink.bytes };
  } catch (e) {
    await out.abort();
    throw named(e, dest);
  }
  return stagedWrite(result, () => out.commit(), () => out.abort());
}

export function stageOciArchive(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<StagedWrite> {
  return stageArchiveFile(dest.path, async (sink) => {
    const l = await writeLayoutFiles(sink, images, layoutOptions(dest, opts));
    return { layersWritten: l.layersWritten, layerBytes: l.layerBytes, omitted: [] };
  });
}
