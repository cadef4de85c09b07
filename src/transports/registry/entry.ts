/** docker:// a registry, read through the distribution API and pushed to. */
import { UsageError } from '../../errors.js';
import type { TransportEntry } from '../contract.js';
import { stageRegistryPush } from './dest.js';
import { openRegistrySource } from './source.js';

export const registry: TransportEntry = {
  transport: 'docker',
  prefix: 'docker://',
  namesReference: true,
  help: { form: 'docker://REF', what: 'an image in a registry' },
  source: { open: (spec, opts) => openRegistrySource(spec.text, spec.path, opts.registry) },
  dest: {
    accepts: {
      shape: 'registry', dockerArchive: false, manifest: 'always', thin: false, blobDigests: 'never',
      compresses: true, addsEntries: false, tagIsImageName: true,
    },
    name: (rest, text) => {
      const ref = rest.replace(/^\/\//, '');
      if (!ref) throw new UsageError('docker:// needs an image reference, for example docker://registry.example.com/app:1');
      return { kind: 'docker', path: ref, text };
    },
    stage: stageRegistryPush,
  },
};
