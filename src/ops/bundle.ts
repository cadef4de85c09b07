/**
 * `stowage bundle`: a release of many images for sites that cannot reach a registry, as one patch delta made for
 * every listed site state at once. Across all images each layer a site lacks is in it once: left out where every
 * site holds it, a patch against base layers every site holds where one is close, whole otherwise; so one bundle
 * applies on a site at any of the listed releases (a site that skipped one). The sender's copies of what the sites
 * hold (`--base`) supply the bytes patches are made against; the sites' records (`stowage have`, or the receipt an
 * earlier apply wrote) say what the sites hold. The bundle is a patch delta (docs/patch-format.md) naming the site
 * states in its index; written to one file, or to numbered parts for media (docs/parts-format.md).
 */
import { StowageError } from '../errors.js';
import type { ImageSource } from '../image/model.js';
import type { HaveSet } from './have.js';
import type { Digest } from '../oci/digest.js';
import type { PatchSite } from '../patch/format.js';
import { writePatchDelta, type DeltaSink, type PatchDeltaReport } from './patch-delta.js';

export interface SiteState {
  /** The file it was read from, for messages and the index. */
  name: string;
  digest: Digest;
  set: HaveSet;
}

export interface BundleReport extends Omit<PatchDeltaReport, 'schema'> {
  schema: 'stowage.bundle/v1';
  sites: PatchSite[];
  /** The part files written, when the bundle went to parts. */
  parts?: string[];
}

export interface BundleOptions {
  onLayer?: (n: number) => void;
  /** Patch compressed layers no recipe reproduces (they arrive with new digests) instead of shipping their blobs. */
  newDigests?: boolean;
  /** Writes the bundle's bytes somewhere other than one file (numbered parts); returns the files it wrote on commit. */
  sink?: (size: number, setId: Digest) => Promise<DeltaSink & { files(): string[] }>;
}

export async function writeBundle(targets: ImageSource[], bases: ImageSource[], sites: SiteState[], output: string, opts: BundleOptions = {}): Promise<BundleReport> {
  if (!sites.length) throw new StowageError('a bundle needs at least one site state (--site FILE)');
  const records: PatchSite[] = sites.map((s) => ({ name: s.name, digest: s.digest, images: s.set.images.map((i) => i.tags[0] ?? i.imageId ?? '?') }));
  let sink: Awaited<ReturnType<NonNullable<BundleOptions['sink']>>> | undefined;
  const r = await writePatchDelta(targets, bases, output, {
    sites: sites.map((s) => s.set),
    siteRecords: records,
    ...(opts.onLayer ? { onLayer: opts.onLayer } : {}),
    ...(opts.newDigests ? { newDigests: true } : {}),
    ...(opts.sink ? { sink: async (size: number, id: Digest) => (sink = await opts.sink!(size, id)) } : {}),
  });
  return { ...r, schema: 'stowage.bundle/v1', sites: records, ...(sink ? { parts: sink.files() } : {}) };
}
