/**
 * check: on the target, before loading, says whether a plain `docker load` of a thin archive will succeed, and
 * if not, names each missing layer and the image that would provide it. It follows the classic engine's rule: for
 * each layer, in order, the stack's ChainID must be present or the layer file must be in the archive.
 */
import { JSON_LIMIT } from '../limits.js';
import type { Digest } from '../oci/digest.js';
import type { ImageSource } from '../image/model.js';
import { DELTA_META, parseDeltaMeta, type DeltaMeta } from './delta-meta.js';
import type { HaveSet } from './have.js';

export interface CheckedLayer {
  index: number;
  diffId: Digest;
  chainId: Digest;
  /** 'archive': the file is in the delta; 'target': the target holds the ChainID; 'missing': neither. */
  state: 'archive' | 'target' | 'missing';
  /** Who holds it on the target, or who held it where the delta was made (for missing layers). */
  providedBy: string[];
}

export interface CheckReport {
  schema: 'stowage.check/v1';
  delta: string;
  against: string[];
  ok: boolean;
  images: { tags: string[]; imageId: Digest; alreadyLoaded: boolean; layers: CheckedLayer[] }[];
  missing: CheckedLayer[];
}

export async function readDeltaMeta(src: ImageSource): Promise<DeltaMeta | undefined> {
  if (!(await src.tree.stat(DELTA_META))) return undefined;
  return parseDeltaMeta(await src.tree.readSmall(DELTA_META, JSON_LIMIT), `${src.spec}: ${DELTA_META}`);
}

export async function check(delta: ImageSource, have: HaveSet): Promise<CheckReport> {
  const meta = await readDeltaMeta(delta);
  const madeAgainst = new Map<Digest, string[]>((meta?.requires ?? []).map((r) => [r.chainId, r.providedBy]));
  const images: CheckReport['images'] = [];
  const missing: CheckedLayer[] = [];
  for (const img of delta.images) {
    const layers = img.layers.map((l): CheckedLayer => {
      if (have.has(l.chainId)) return { index: l.index, diffId: l.diffId, chainId: l.chainId, state: 'target', providedBy: have.providers(l.chainId) };
      if (l.present) return { index: l.index, diffId: l.diffId, chainId: l.chainId, state: 'archive', providedBy: [] };
      const m: CheckedLayer = { index: l.index, diffId: l.diffId, chainId: l.chainId, state: 'missing', providedBy: madeAgainst.get(l.chainId) ?? [] };
      if (!missing.some((x) => x.chainId === m.chainId)) missing.push(m);
      return m;
    });
    images.push({ tags: img.tags, imageId: img.config.digest, alreadyLoaded: have.imageIds.has(img.config.digest), layers });
  }
  return { schema: 'stowage.check/v1', delta: delta.spec, against: have.sources, ok: missing.length === 0, images, missing };
}
