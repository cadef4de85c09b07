/** A destination that is one file (a docker archive, an OCI archive, standard output), staged as the pipeline wants it. */
import { stageFileThroughSink } from '../fs/file-output.js';
import type { Sink } from '../fs/sink.js';
import type { StagedWrite, WriteResult } from './contract.js';

export async function stageArchiveFile(path: string, work: (sink: Sink) => Promise<Omit<WriteResult, 'bytes'>>): Promise<StagedWrite> {
  const staged = await stageFileThroughSink(path, work);
  const result = (): WriteResult => ({ ...staged.value, bytes: staged.bytes() });
  return {
    result: result(),
    commit: async () => {
      await staged.commit();
      return result();
    },
    abort: () => staged.abort(),
  };
}
