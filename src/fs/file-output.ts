/**
 * Staging a file destination through a sink: a file is written at offsets (FdSink, so layers can be copied by the
 * copy threads), a pipe ('-') takes a stream (TarSink). Nothing stands under the final name until `commit`; a failure
 * while staging removes what was written.
 */
import { openOutput, outputError } from './atomic-output.js';
import { FdSink, TarSink, type Sink } from './sink.js';

export interface StagedFile<T> {
  value: T;
  /** Bytes written (a stream's end-of-archive blocks count once committed). */
  bytes(): number;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function stageFileThroughSink<T>(path: string, work: (sink: Sink) => Promise<T>): Promise<StagedFile<T>> {
  const out = await openOutput(path);
  const sink = out.fd !== undefined ? new FdSink(out.fd, path) : new TarSink(out.stream, true);
  const abort = async () => {
    if (sink instanceof FdSink) await sink.dispose();
    else await sink.cutShort(); // a pipe cannot take back what it was sent: its reader must see it broken
    await out.abort();
  };
  let value: T;
  try {
    value = await work(sink);
  } catch (e) {
    await abort();
    throw outputError(out, e);
  }
  return {
    value,
    bytes: () => sink.bytes,
    commit: async () => {
      try {
        // A file written at offsets is size-checked against what the writer wrote; a stream counts for itself,
        // and gets the end of the archive only now.
        if (!(sink instanceof FdSink)) await sink.release();
        await out.commit(sink instanceof FdSink ? sink.bytes : undefined);
      } catch (e) {
        await abort();
        throw outputError(out, e);
      }
    },
    abort,
  };
}
