/** docker-archive: as a destination: a docker save archive in a file, or on standard output ('-'). */
import type { WritableImage } from '../../image/writable.js';
import type { DestSpec, StagedWrite, WriteOptions } from '../contract.js';
import { stageArchiveFile } from '../staged-file.js';
import { writeDockerArchive } from './write.js';

export function stageDockerArchiveFile(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<StagedWrite> {
  return stageArchiveFile(dest.path, (sink) => writeDockerArchive(sink, images, opts));
}
