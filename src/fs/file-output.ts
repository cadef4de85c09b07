/**
 * Writing a file destination through a sink: a file is written at offsets (FdSink, so layers can be copied by the
 * copy threads), a pipe ('-') takes a stream (TarSink); the file appears whole or not at all.
 */
import { openOutput, outputError } from './atomic-output.js';
import { FdSink, TarSink, type Sink } from './sink.js';

export async function writeFileThroughSink<T>(path: string, work: (sink: Sink) => Promise<T>, beforeCommit?: () => Promise<void>): Promise<T & { bytes: number }> {
  const out = await openOutput(path);
  const sink = out.fd !== undefined ? new FdSink(out.fd, path) : new TarSink(out.stream);
  try {
    const r = await work(sink);
    await beforeCommit?.();
    // A file written at offsets is size-checked against what the writer wrote; a stream counts for itself.
    await out.commit(sink instanceof FdSink ? sink.bytes : undefined);
    return { ...r, bytes: sink.bytes };
  } catch (e) {
    if (sink instanceof FdSink) await sink.dispose();
    await out.abort();
    throw outputError(out, e);
  }
}
