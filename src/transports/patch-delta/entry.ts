/**
 * Patch deltas and bundles as a source. They have no prefix: a bare path (a delta file, a bundle's part or a folder
 * of parts) or standard input is claimed by its first bytes before the file-tree formats are tried. Only operations
 * that work on deltas as such ask for them (`OpenOptions.also`); any other is told in one line what takes one.
 */
import { arePartSources } from '../../parts/sniff.js';
import { isDeltaOrParts } from './claim.js';
import type { TransportEntry } from '../contract.js';
import { openPatchDeltaSource } from './source.js';

export const patchDelta: TransportEntry = {
  transport: 'patch-delta',
  source: {
    // Standard input only when it is the process's own (the delta reader takes it from there).
    claims: async (spec, opts) => !(spec.transport === 'stdin' && opts.stdin) && (await isDeltaOrParts(spec.path)),
    claimsAll: (texts) => arePartSources(texts),
    open: (spec) => openPatchDeltaSource([spec.path], spec.text),
    openAll: (texts) => openPatchDeltaSource(texts, texts.length === 1 ? texts[0]! : `${texts[0]} (+${texts.length - 1} more parts)`),
  },
  refused: (spec) => `${spec.text}: a stowage patch delta (delta --patch or bundle): \`stowage apply ${spec.text} --base BASE -o DEST\` rebuilds its images; inspect, verify, check and report read it as it is`,
};
