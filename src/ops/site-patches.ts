/**
 * The patches a layer ships as, for the sites a delta is made for. One site (or none named): one patch against
 * every base layer. Several sites at different releases (a bundle for sites at v1 or v2): a patch against only the
 * base layers every site holds applies everywhere, but the layer a release changed has no such base (v1's app layer
 * is not v2's), so it would cost almost the whole layer; instead each site's own patch (against what that site
 * holds) is made too, and the delta carries those alternatives when together they are smaller. Apply takes the
 * first whose base layers the destination holds.
 */
import { join } from 'node:path';
import type { Digest } from '../oci/digest.js';
import { encodeLayer, subsetBases, type BaseSet, type EncodedLayer } from '../patch/encode-layer.js';
import type { LayerFile } from '../patch/layer-file.js';
import type { HaveSet } from './have.js';

export interface SitePatch extends EncodedLayer {
  path: string;
}

/** The options, smallest total first tried: the common patch alone, or one per distinct set of held bases. */
export async function encodeForSites(target: LayerFile, all: BaseSet, sites: HaveSet[] | undefined, dir: string, n: number, what: string): Promise<SitePatch[]> {
  const encode = async (set: BaseSet, k: number): Promise<SitePatch> => {
    const path = join(dir, `${n}.${k}.patch`);
    return { ...(await encodeLayer(target, set, path, what)), path };
  };
  if (!sites || sites.length < 2) return [await encode(all, 0)];
  const common = subsetBases(all, (d) => sites.every((s) => s.diffIds.has(d)));
  const shared = await encode(common, 0);
  // Each site's own set of bases, once per distinct set; a site whose set is the common one uses the shared patch.
  const key = (s: BaseSet) => s.diffIds.join(' ');
  const bySet = new Map<string, BaseSet>();
  for (const s of sites) {
    const own = subsetBases(all, (d: Digest) => s.diffIds.has(d));
    if (key(own) !== key(common)) bySet.set(key(own), own);
  }
  if (!bySet.size) return [shared];
  const own: SitePatch[] = [];
  let k = 1;
  for (const set of bySet.values()) own.push(await encode(set, k++));
  const everySiteHasOwn = sites.every((s) => [...bySet.keys()].includes(key(subsetBases(all, (d: Digest) => s.diffIds.has(d)))));
  const alternatives = everySiteHasOwn ? own : [shared, ...own];
  const total = alternatives.reduce((t, p) => t + p.size, 0);
  return total < shared.size ? alternatives : [shared];
}
