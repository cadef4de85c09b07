/**
 * The patch index's `alternatives` (a bundle's per-site patches) and `sites`, checked by the schema before use:
 * refused on a layer that is not a patch, empty, too many, or malformed, each in one line naming the field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatePatchIndex } from '../../src/patch/index-schema.js';
import { PATCH_SCHEMA } from '../../src/patch/format.js';
import { chainIds } from '../../src/oci/identities.js';

const [chain] = chainIds([`sha256:${'1'.repeat(64)}`]);
const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const patch = (c: string) => ({ digest: d(c), size: 10, bases: [d('9')] });
function index(layer: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    schema: PATCH_SCHEMA, created: '2026-12-07T00:00:00Z', madeAgainst: [], ...extra,
    images: [{ tags: ['a:1'], config: { digest: d('c'), size: 100 }, layers: [chain] }],
    layers: [{ diffId: d('1'), chainId: chain, how: 'patch', size: 1000, storedCompression: 'none', patch: patch('a'), ...layer }],
  };
}
const check = (doc: unknown) => validatePatchIndex(doc, 'x', PATCH_SCHEMA);

describe('patch index: alternatives and sites', () => {
  it('takes a patch layer with alternatives, and a list of sites', () => {
    check(index({ alternatives: [patch('b'), patch('e')] }, { sites: [{ name: 'have.json', digest: d('f'), images: ['a:1'] }] }));
  });
  it('refuses alternatives on a whole layer, an empty list, a bad entry, a bad site', () => {
    assert.throws(() => check(index({ how: 'whole', patch: undefined, whole: { digest: d('b'), size: 5, compression: 'none' }, alternatives: [patch('b')] })), /layers\[0\]\.alternatives does not belong on a layer whose how is whole/);
    assert.throws(() => check(index({ alternatives: [] })), /layers\[0\]\.alternatives must list 1\.\.64 patches, not 0/);
    assert.throws(() => check(index({ alternatives: [{ ...patch('b'), size: -1 }] })), /layers\[0\]\.alternatives\[0\]\.size is -1/);
    assert.throws(() => check(index({}, { sites: [{ name: 'h', digest: 'nope', images: [] }] })), /sites\[0\]\.digest must be a sha256 digest/);
  });
});
