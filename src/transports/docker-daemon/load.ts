/** docker-daemon: as a source stream (the engine's export) and as a destination (a load through the API). */
import { PassThrough } from 'node:stream';
import { StowageError } from '../../errors.js';
import { OutputClosed } from '../../tar/writer.js';
import { TarSink } from '../../fs/sink.js';
import type { WritableImage } from '../../image/writable.js';
import { writeDockerArchive, type ArchiveWriteResult } from '../docker-archive/write.js';
import type { DestSpec, StagedWrite, WriteOptions } from '../contract.js';
import { EngineClient } from './client.js';

/** The engine's `docker save` stream of one image. */
export async function exportStream(name: string): Promise<AsyncIterable<Buffer>> {
  return (await new EngineClient().exportImages([name])) as AsyncIterable<Buffer>;
}

/**
 * Loads images into the Docker engine through its API (POST /images/load), streaming a docker archive straight into
 * the request: nothing is written to disk. Complete images go in the legacy layout, which every engine takes; a
 * thin one needs the Docker 25+ layout (opts.layout 'oci') on the containerd image store. Blob digests are made
 * known by writeImages first when the layout needs them.
 *
 * Staging sends the whole archive but its last blocks and keeps the request open: an engine reads the archive to
 * its end before it loads anything, so an abort (the request cut short) loads nothing and moves no tag; the commit
 * ends the request and waits for the engine's answer.
 */
export async function stageEngineLoad(_dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<StagedWrite> {
  const client = new EngineClient();
  // A load moves tags silently (docker load prints only "Loaded image"): note where each tag pointed before.
  const tags = [...new Set(images.flatMap((i) => i.tags))];
  const idOf = (t: string) => client.inspectImage(t).then((r) => r.Id ?? null, () => null);
  const before = await Promise.all(tags.map(idOf));
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const loading = client.loadImages(body);
  loading.catch(() => body.destroy());
  const sink = new TarSink(body, true);
  let r: ArchiveWriteResult;
  try {
    r = await writeDockerArchive(sink, images, { ...opts, layout: opts.layout ?? 'legacy' });
  } catch (e) {
    body.destroy(e as Error);
    // The request closed under the writer: the engine's error (not reachable, refused the load) says why.
    const engineError = await loading.then(() => undefined, (x: unknown) => x);
    throw e instanceof OutputClosed && engineError instanceof StowageError ? engineError : e;
  }
  return {
    result: { ...r, bytes: sink.bytes },
    abort: async () => {
      body.destroy(new Error('aborted'));
      await loading.then(() => undefined, () => undefined);
    },
    commit: async () => {
      await sink.release();
      body.end();
      const loaded = await loading;
      const after = await Promise.all(tags.map(idOf));
      const tagged = tags.map((tag, i) => ({ tag, before: before[i] ?? null, after: after[i] ?? null }));
      return { ...r, bytes: sink.bytes, loaded, tagged };
    },
  };
}
