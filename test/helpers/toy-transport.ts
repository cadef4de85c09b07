/**
 * A toy transport, made in the test tree the way docs/DEVELOPING.md says a transport is added: an entry with its
 * names, a source opener and a destination stager, registered in the table. `toy:DIR/NAME` keeps one image as the
 * docker archive DIR/NAME.box. It writes through the same pipeline as every transport, so it proves nothing itself
 * and still never commits a tampered layer.
 */
import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { TarSink } from '../../src/fs/sink.js';
import type { StagedWrite, TransportEntry } from '../../src/transports/contract.js';
import { writeDockerArchive } from '../../src/transports/docker-archive/write.js';
import { openTreeSource } from '../../src/transports/tree-source.js';

const box = (path: string) => `${path}.box`;

export const toy: TransportEntry = {
  transport: 'toy',
  prefix: 'toy:',
  help: { form: 'toy:DIR/NAME', what: "a test's toy box" },
  source: {
    // A box is a docker archive: read it as a file tree, under the name the user gave.
    open: async (spec, opts) => {
      const src = await openTreeSource({ ...spec, transport: 'docker-archive', path: box(spec.path) }, opts);
      src.spec = spec.text;
      return src;
    },
  },
  dest: {
    accepts: {
      shape: 'file', dockerArchive: true, manifest: 'oci-layout', thin: false, blobDigests: 'oci-layout',
      compresses: false, addsEntries: false, tagIsImageName: true,
    },
    async stage(dest, images, opts): Promise<StagedWrite> {
      const tmp = `${box(dest.path)}.staging`;
      const out = createWriteStream(tmp);
      const sink = new TarSink(out);
      try {
        const r = await writeDockerArchive(sink, images, opts);
        await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
        const result = { ...r, bytes: sink.bytes };
        return {
          result,
          commit: async () => {
            await rename(tmp, box(dest.path));
            return result;
          },
          abort: () => rm(tmp, { force: true }),
        };
      } catch (e) {
        out.destroy();
        await rm(tmp, { force: true });
        throw e;
      }
    },
  },
};
