/** docker-daemon: a Docker engine, read through its export and written through its load (Engine API). */
import type { SourceEntry, TransportEntry } from '../contract.js';
import { openTreeSource } from '../tree-source.js';
import { exportStream, stageEngineLoad } from './load.js';

const stream: NonNullable<SourceEntry['stream']> = async (spec) => ({ chunks: await exportStream(spec.path), label: spec.text });

export const dockerDaemon: TransportEntry = {
  transport: 'docker-daemon',
  prefix: 'docker-daemon:',
  namesReference: true,
  help: { form: 'docker-daemon:NAME[:TAG]', what: 'an image in the Docker engine' },
  source: { open: (spec, opts) => openTreeSource(spec, opts, stream), stream },
  dest: {
    accepts: {
      shape: 'engine', dockerArchive: true, manifest: 'oci-layout', thin: true, blobDigests: 'oci-layout',
      compresses: false, addsEntries: false, tagIsImageName: true,
    },
    // docker-daemon: alone loads the images under their own tags; docker-daemon:NAME:TAG tags the one image.
    name: (rest, text) => (rest ? { kind: 'docker-daemon', path: '', tag: rest, text } : { kind: 'docker-daemon', path: '', text }),
    stage: stageEngineLoad,
  },
};
