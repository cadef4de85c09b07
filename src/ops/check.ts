/**
 * check: on the target, before loading, says whether a plain `docker load` of a thin archive will succeed, and
 * if not, names each missing layer and the image that would provide it. Each image store has its own rule:
 * - classic (dockerd 20.10, Docker 28 by default): for each layer, in order, the stack's ChainID must be on the
 *   engine or the layer file in the archive (moby's tarexport/load.go follows manifest.json);
 * - containerd (Docker 29's default): an archive with index.json is imported as an OCI layout, and each blob its
 *   manifests name must be in the archive or in the content store by that digest; an archive with manifest.json
 *   alone must hold every layer file ("failed to resolve layers: layer ... not found").
 * The rule is the engine's (`--docker` asks it); a have file names its store; for archives or layouts, whose
 * store is unknown, both rules must hold.
 */
import { JSON_LIMIT } from '../limits.js';
import type { Digest } from '../oci/digest.js';
import type { ImageSource } from '../image/model.js';
import type { ImageStore } from '../transports/docker-daemon/client.js';
import { DELTA_META, parseDeltaMeta, type DeltaMeta } from './delta-meta.js';
import type { HaveSet } from './have.js';

export interface CheckedLayer {
  index: number;
  diffId: Digest;
  chainId: Digest;
  /** The blob the archive's manifest names for it (Docker 25+ layout), which the containerd store looks up. */
  blob?: Digest;
  /**
   * 'archive': the layer is in the delta; 'target': the target holds it (by ChainID on the classic store, by blob
   * digest on the containerd store); 'missing': neither, under the store named in `missingOn`.
   */
  state: 'archive' | 'target' | 'missing';
  /** Under which store's rule the layer is missing. */
  missingOn?: ImageStore[];
  /** True when the target holding it is assumed, not recorded (a containerd store described by docker image inspect). */
  assumed?: boolean;
  /** Who holds it on the target, or who held it where the delta was made (for missing layers). */
  providedBy: string[];
}

export interface CheckReport {
  schema: 'stowage.check/v1';
  delta: string;
  against: string[];
  /** The stores whose rule was applied. */
  stores: ImageStore[];
  /** 'oci': the Docker 25+ layout (index.json beside manifest.json); 'legacy': manifest.json alone. */
  layout: 'oci' | 'legacy';
  ok: boolean;
  images: { tags: string[]; imageId: Digest; alreadyLoaded: boolean; layers: CheckedLayer[] }[];
  missing: CheckedLayer[];
  /** What the verdict takes for granted, in words (empty when everything was recorded). */
  assumptions: string[];
}

export async function readDeltaMeta(src: ImageSource): Promise<DeltaMeta | undefined> {
  const bytes = await src.file(DELTA_META, JSON_LIMIT);
  return bytes && parseDeltaMeta(bytes, `${src.spec}: ${DELTA_META}`);
}

/** The stores whose rules apply: each recorded one; both where the record does not say (archives, layouts). */
export function storesOf(have: HaveSet): ImageStore[] {
  const out = new Set<ImageStore>();
  for (const s of have.stores) {
    if (s === 'unknown') {
      out.add('classic');
      out.add('containerd');
    } else out.add(s);
  }
  return out.size ? [...out] : ['classic', 'containerd'];
}

export async function check(delta: ImageSource, have: HaveSet): Promise<CheckReport> {
  const meta = await readDeltaMeta(delta);
  const madeAgainst = new Map<Digest, string[]>((meta?.requires ?? []).map((r) => [r.chainId, r.providedBy]));
  const stores = storesOf(have);
  const layout: CheckReport['layout'] = delta.index ? 'oci' : 'legacy';
  const images: CheckReport['images'] = [];
  const missing: CheckedLayer[] = [];
  let assumed = false;
  for (const img of delta.images) {
    const layers = img.layers.map((l): CheckedLayer => {
      const base = { index: l.index, diffId: l.diffId, chainId: l.chainId, ...(l.descriptor ? { blob: l.descriptor.digest } : {}) };
      if (l.present) return { ...base, state: 'archive', providedBy: [] };
      const missingOn: ImageStore[] = [];
      let held = false;
      let guess = false;
      for (const store of stores) {
        if (store === 'classic') {
          if (have.has(l.chainId)) held = true;
          else missingOn.push(store);
          continue;
        }
        // containerd: a legacy archive must carry every layer; a layout's manifest names the blob to look up.
        const h = layout === 'oci' && l.descriptor ? have.holdsBlob(l.descriptor.digest) : 'no';
        if (h === 'no') missingOn.push(store);
        else {
          held = true;
          if (h === 'assumed') guess = true;
        }
      }
      if (missingOn.length === 0) {
        if (guess) assumed = true;
        return { ...base, state: 'target', providedBy: have.providers(l.chainId), ...(guess ? { assumed: true } : {}) };
      }
      void held;
      const m: CheckedLayer = { ...base, state: 'missing', missingOn, providedBy: have.has(l.chainId) ? have.providers(l.chainId) : madeAgainst.get(l.chainId) ?? [] };
      if (!missing.some((x) => x.chainId === m.chainId && x.blob === m.blob)) missing.push(m);
      return m;
    });
    images.push({ tags: img.tags, imageId: img.config.digest, alreadyLoaded: have.imageIds.has(img.config.digest), layers });
  }
  const assumptions = assumed
    ? ['the target runs the containerd image store, and `docker image inspect` does not name the blobs it stores: the left-out layers are taken to be stored uncompressed, as a `docker load` of a `docker save` stores them. If the base was pulled from a registry, record the target with `stowage have` instead']
    : [];
  return { schema: 'stowage.check/v1', delta: delta.spec, against: have.sources, stores, layout, ok: missing.length === 0, images, missing, assumptions };
}
