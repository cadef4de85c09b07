/** docker-archive: as a destination: a docker save archive in a file, or on standard output ('-'). */
import { writeFileThroughSink } from '../../fs/file-output.js';
import type { WritableImage } from '../../image/writable.js';
import type { DestSpec, WriteOptions, WriteResult } from '../dest.js';
import { writeDockerArchive } from './write.js';

export async function writeDockerArchiveFile(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<WriteResult> {
  return writeFileThroughSink(dest.path, (sink) => writeDockerArchive(sink, images, opts), opts.beforeCommit);
}
