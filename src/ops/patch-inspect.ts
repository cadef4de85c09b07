/**
 * check, inspect and verify of a patch delta: what it rebuilds, from which base layers, and (check) whether the
 * target holds every base layer it refers to. Reading the delta hashes every blob against its name, so inspect and
 * verify prove the pieces too.
 */
import { describeRecipe } from '../compress/recipes/recipe.js';
import type { Digest } from '../oci/digest.js';
import type { PatchDelta } from '../patch/read-delta.js';
import type { HaveSet } from './have.js';

export interface PatchCheckReport {
  schema: 'stowage.check/v1';
  delta: string;
  patch: true;
  /** A patch delta never loads with docker load: it needs stowage apply. */
  needsApply: true;
  against: string[];
  layers: { index: number; diffId: Digest; how: string; needs: { what: 'layer' | 'base-layer'; digest: Digest; held: boolean }[] }[];
  missing: { what: 'layer' | 'base-layer'; digest: Digest; for: Digest }[];
  ok: boolean;
}

export function checkPatchDelta(d: PatchDelta, have: HaveSet): PatchCheckReport {
  const diffs = new Set(have.images.flatMap((i) => i.diffIds));
  const layers: PatchCheckReport['layers'] = [];
  const missing: PatchCheckReport['missing'] = [];
  for (const [index, l] of d.index.layers.entries()) {
    const needs: PatchCheckReport['layers'][number]['needs'] = [];
    if (l.how === 'base') needs.push({ what: 'layer', digest: l.chainId, held: have.has(l.chainId) });
    for (const b of l.patch?.bases ?? []) needs.push({ what: 'base-layer', digest: b, held: diffs.has(b) });
    for (const n of needs) if (!n.held) missing.push({ what: n.what, digest: n.digest, for: l.diffId });
    layers.push({ index, diffId: l.diffId, how: l.how, needs });
  }
  return { schema: 'stowage.check/v1', delta: d.what, patch: true, needsApply: true, against: have.sources, layers, missing, ok: missing.length === 0 };
}

export interface PatchDescription {
  schema: 'stowage.patch-inspect/v1';
  delta: string;
  format: string;
  created: string;
  madeAgainst: string[];
  images: { tags: string[]; imageId: Digest; layers: number; manifestDigest?: Digest }[];
  layers: { diffId: Digest; chainId: Digest; how: string; size: number; shipped: number; storedCompression: string; bases: Digest[]; providedBy: string[]; recipe?: string; blobDigest?: Digest }[];
  /** Every blob was hashed against its name while the delta was read. */
  blobsVerified: number;
}

export function describePatchDelta(d: PatchDelta): PatchDescription {
  const i = d.index;
  const layers = i.layers.map((l) => ({
    diffId: l.diffId, chainId: l.chainId, how: l.how, size: l.size,
    shipped: l.patch?.size ?? l.whole?.size ?? 0, storedCompression: l.storedCompression,
    bases: l.patch?.bases ?? [], providedBy: l.providedBy ?? [],
    ...(l.blob ? { recipe: describeRecipe(l.blob.recipe), blobDigest: l.blob.digest } : {}),
  }));
  return {
    schema: 'stowage.patch-inspect/v1', delta: d.what, format: i.schema, created: i.created, madeAgainst: i.madeAgainst,
    images: i.images.map((m) => ({ tags: m.tags, imageId: m.config.digest, layers: m.layers.length, ...(m.manifest ? { manifestDigest: m.manifest.digest } : {}) })),
    layers,
    blobsVerified: i.images.length + i.images.filter((m) => m.manifest).length + layers.filter((l) => l.how !== 'base').length,
  };
}
