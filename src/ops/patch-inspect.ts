/**
 * check, inspect and verify of a patch delta: what it rebuilds, from which base layers, and (check) whether the
 * target holds every base layer it refers to. Reading the delta hashes every blob against its name, so inspect and
 * verify prove the pieces too.
 */
import { describeRecipe } from '../compress/recipes/recipe.js';
import type { Digest } from '../oci/digest.js';
import type { PatchDelta } from '../patch/read-delta.js';
import type { PatchReferrer } from '../patch/format.js';
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
    // Of several patches (a bundle for sites at several releases), the first whose base layers the target holds.
    const options = l.patch ? [l.patch, ...(l.alternatives ?? [])] : [];
    const p = options.find((o) => o.bases.every((b) => diffs.has(b))) ?? options[0];
    for (const b of p?.bases ?? []) needs.push({ what: 'base-layer', digest: b, held: diffs.has(b) });
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
  /** A bundle's site states: it applies on a site holding any one of them. */
  sites: { name: string; digest: Digest; images: string[] }[];
  /**
   * Per image: its layers by how they arrive (a layer shared with an image listed before it is counted there), and
   * the bytes it adds to the delta.
   */
  images: { tags: string[]; imageId: Digest; layers: number; fromSite: number; patched: number; whole: number; shared: number; shipped: number; manifestDigest?: Digest;
    /** Issue 20 item 3: the signatures and other referrers that travel with it (cosign tags, a referrers index). */
    referrers?: { tag?: string; digest: Digest; mediaType: string; size: number; blobs: number }[] }[];
  /** Issue 20 item 3: a multi-platform image's index kept as upstream's, and the signatures of its digest. */
  index?: { digest: Digest; mediaType: string; referrers?: { tag?: string; digest: Digest; mediaType: string; size: number; blobs: number }[];
    /** Issue 20: the attestation manifests (entries that are not images) it lists, carried with it. */
    artifacts?: { digest: Digest; mediaType: string; size: number; blobs: number }[] };
  /** `alternatives`: more patches of the layer, for sites at other releases (shipped counts them all). */
  layers: { diffId: Digest; chainId: Digest; how: string; size: number; shipped: number; storedCompression: string; bases: Digest[]; providedBy: string[]; alternatives: number; recipe?: string; blobDigest?: Digest }[];
  /** Every blob was hashed against its name while the delta was read. */
  blobsVerified: number;
}

export function describePatchDelta(d: PatchDelta): PatchDescription {
  const i = d.index;
  const layers = i.layers.map((l) => ({
    diffId: l.diffId, chainId: l.chainId, how: l.how, size: l.size,
    shipped: shippedOf(l), storedCompression: l.storedCompression, alternatives: l.alternatives?.length ?? 0,
    bases: l.patch?.bases ?? [], providedBy: l.providedBy ?? [],
    ...(l.blob ? { recipe: describeRecipe(l.blob.recipe), blobDigest: l.blob.digest } : {}),
  }));
  return {
    schema: 'stowage.patch-inspect/v1', delta: d.what, format: i.schema, created: i.created, madeAgainst: i.madeAgainst,
    sites: i.sites ?? [],
    images: perImage(d),
    ...(i.index ? { index: { digest: i.index.digest, mediaType: i.index.mediaType, ...(i.index.referrers?.length ? { referrers: i.index.referrers.map(listed) } : {}),
      ...(i.index.artifacts?.length ? { artifacts: i.index.artifacts.map(listed) } : {}) } } : {}),
    layers,
    blobsVerified: i.images.length + i.images.filter((m) => m.manifest).length + new Set(i.images.flatMap((m) => (m.referrers ?? []).flatMap((x) => [x.digest, ...x.blobs.map((b) => b.digest)]))).size + layers.reduce((n, l) => n + (l.how === 'base' ? 0 : 1 + l.alternatives), 0),
  };
}

function perImage(d: PatchDelta): PatchDescription['images'] {
  const byChain = new Map(d.index.layers.map((l) => [l.chainId, l]));
  const counted = new Set<Digest>();
  return d.index.images.map((m) => {
    const r: PatchDescription['images'][number] = { tags: m.tags, imageId: m.config.digest, layers: m.layers.length, fromSite: 0, patched: 0, whole: 0, shared: 0, shipped: m.config.size + (m.manifest?.size ?? 0) };
    if (m.manifest) r.manifestDigest = m.manifest.digest;
    if (m.referrers?.length) {
      r.referrers = m.referrers.map(listed);
      r.shipped += m.referrers.reduce((t, x) => t + x.size + x.blobs.reduce((n, b) => n + b.size, 0), 0);
    }
    for (const c of m.layers) {
      const l = byChain.get(c)!;
      if (l.how === 'base') r.fromSite++;
      else if (counted.has(c)) r.shared++;
      else {
        counted.add(c);
        if (l.how === 'patch') r.patched++;
        else r.whole++;
        r.shipped += shippedOf(l);
      }
    }
    return r;
  });
}

/** The bytes a layer costs in the delta: its patches (all of a bundle's alternatives) or its whole blob. */
function listed(x: PatchReferrer): { tag?: string; digest: Digest; mediaType: string; size: number; blobs: number } {
  return { ...(x.tag ? { tag: x.tag } : {}), digest: x.digest, mediaType: x.mediaType, size: x.size, blobs: x.blobs.length };
}

function shippedOf(l: PatchDelta['index']['layers'][number]): number {
  return (l.patch?.size ?? l.whole?.size ?? 0) + (l.alternatives ?? []).reduce((t, a) => t + a.size, 0);
}
