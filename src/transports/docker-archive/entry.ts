/** docker-archive: a `docker save` archive, in a file or on standard output. */
import type { TransportEntry } from '../contract.js';
import { openTreeSource } from '../tree-source.js';
import { stageDockerArchiveFile } from './dest.js';

export const dockerArchive: TransportEntry = {
  transport: 'docker-archive',
  prefix: 'docker-archive:',
  formatNames: ['docker', 'docker-archive'],
  help: { form: 'docker-archive:PATH', what: 'a docker save archive (a bare PATH is sniffed)' },
  source: { open: (spec, opts) => openTreeSource(spec, opts) },
  dest: {
    accepts: {
      shape: 'file', dockerArchive: true, manifest: 'oci-layout', thin: true, blobDigests: 'oci-layout',
      compresses: false, addsEntries: false, tagIsImageName: true,
    },
    stage: stageDockerArchiveFile,
  },
};
