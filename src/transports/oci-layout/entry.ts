/** oci: and oci-archive: an OCI image layout in a directory, or in a tar. */
import type { TransportEntry } from '../contract.js';
import { openTreeSource } from '../tree-source.js';
import { stageOciArchive, stageOciDir } from './dest.js';

export const ociArchive: TransportEntry = {
  transport: 'oci-archive',
  prefix: 'oci-archive:',
  formatNames: ['oci-archive'],
  help: { form: 'oci-archive:PATH', what: 'an OCI layout in a tar' },
  source: { open: (spec, opts) => openTreeSource(spec, opts) },
  dest: {
    accepts: {
      shape: 'file', dockerArchive: false, manifest: 'always', thin: false, blobDigests: 'always',
      compresses: false, addsEntries: false, tagIsImageName: false,
    },
    stage: stageOciArchive,
  },
};

export const ociLayout: TransportEntry = {
  transport: 'oci',
  prefix: 'oci:',
  formatNames: ['oci'],
  help: { form: 'oci:DIR', what: 'an OCI image layout' },
  source: { open: (spec, opts) => openTreeSource(spec, opts) },
  dest: {
    accepts: {
      shape: 'dir', dockerArchive: false, manifest: 'always', thin: false, blobDigests: 'always',
      compresses: false, addsEntries: true, tagIsImageName: false,
    },
    stage: stageOciDir,
  },
};
