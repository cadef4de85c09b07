/**
 * Pushing images to a registry: every blob is checked with HEAD first, mounted from the source repository when the
 * source is another repository of the same registry, and otherwise uploaded; layers go in parallel. Compressed
 * layers are sent as they are (registry to registry never recompresses, so manifest digests are kept); layers
 * stored uncompressed are compressed on the way (gzip, or zstd on request) with the digest computed while they
 * stream up, and the DiffID checked on the same pass. The tag moves only at the very end, when the manifest (or
 * index) is put: a failure before that leaves the repository's tags as they were.
 */
import { StowageError, UsageError } from '../../errors.js';
import { compress, checkCompressor, type Compressor } from '../../compress/compress.js';
import { decompress } from '../../compress/decompress.js';
import { sha256, type Digest } from '../../oci/digest.js';
import { OCI_INDEX, layerTypeCompression } from '../../oci/mediatypes.js';
import { formatReference } from '../../oci/reference.js';
import type { Descriptor } from '../../oci/types.js';
import { indexJson, manifestFor, type BuiltManifest } from '../../image/manifest.js';
import { hashingCopy } from '../../image/copy-layer.js';
import { digestOf, verified } from '../../hash/verified.js';
import type { WritableImage, WritableLayer } from '../../image/writable.js';
import type { Compression } from '../../compress/detect.js';
import type { RegistryClient } from './client.js';
import { DestinationLayers } from './lookup.js';
import type { Platform } from '../../oci/platform.js';
import type { AttachedManifest, PushOptions, PushResult, PushedBlob } from './options.js';

export type { PushOptions, PushResult, PushedBlob };
import { clientFor, registryReference } from './source.js';
import { withSpooled } from './spool.js';

/** Runs async jobs with at most `n` at a time. */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** A layer's uncompressed bytes, checked against their size (when stored so) and DiffID after the last one. */
function checkedTar(layer: WritableLayer, what: string): AsyncIterable<Buffer> {
  // A compressed layer being recompressed is decompressed first; its DiffID is checked all the same.
  const plain = layer.compression === 'none';
  const tar = plain ? layer.open!() : decompress(layer.compression, layer.open!(), what);
  return verified(tar, { what, digest: layer.diffId, names: 'DiffID', ...(plain ? { size: layer.size } : {}) });
}

async function hashStored(layer: WritableLayer): Promise<Digest> {
  return (await digestOf(layer.open!())).digest;
}

interface LayerOutcome {
  digest: Digest;
  size: number;
  compression: Compression;
  mediaType?: string;
}

class Pusher {
  private readonly blobs = new Map<string, Promise<PushedBlob>>();
  private readonly limit: <T>(job: () => Promise<T>) => Promise<T>;
  private readonly lookup: DestinationLayers;
  private readonly target: Compressor;

  constructor(private readonly client: RegistryClient, private readonly opts: PushOptions) {
    this.limit = limiter(Math.max(1, opts.jobs ?? 4));
    this.lookup = new DestinationLayers(client);
    this.target = opts.compression ?? 'gzip';
  }

  private readonly bases = new Map<string, DestinationLayers>();
  /** Which layers a base repository on the same registry holds, by DiffID (read once). */
  private baseLookup(repo: string): DestinationLayers {
    let l = this.bases.get(repo);
    if (!l) {
      l = new DestinationLayers(this.client.sibling(repo));
      this.bases.set(repo, l);
    }
    return l;
  }

  /** Makes sure the repository has a blob: HEAD, then a mount, then an upload. Each digest once per push. */
  private ensure(digest: Digest, size: number, open: () => AsyncIterable<Buffer>, what: string): Promise<PushedBlob> {
    let p = this.blobs.get(digest);
    if (!p) {
      p = (async (): Promise<PushedBlob> => {
        if ((await this.client.headBlob(digest)) !== undefined) return { digest, size, how: 'exists' };
        let started: string | undefined;
        const from = this.opts.mountFrom;
        if (from && from.host === this.client.http.host && from.repository !== this.client.repo) {
          const m = await this.client.mount(digest, from.repository);
          if (m.mounted) return { digest, size, how: 'mounted' };
          started = m.location;
        }
        const r = await this.client.upload({ open, digest, size, what }, started);
        return { digest: r.digest, size: r.size, how: 'uploaded' };
      })();
      this.blobs.set(digest, p);
    }
    return p;
  }

  /**
   * Issue 20: stages the manifests an index lists beside its images (attestation manifests): each one's bytes held
   * against its digest, its blobs made sure of (each proved against its digest as it goes up). Returns them to put.
   */
  async attached(list: AttachedManifest[]): Promise<AttachedManifest[]> {
    for (const a of list) {
      if (sha256(a.bytes) !== a.digest) throw new StowageError(`manifest ${a.digest} listed by the index: its bytes hash to ${sha256(a.bytes)}`, { code: 'tampered' });
      for (const b of a.blobs) {
        const what = `blob ${b.digest} of ${a.digest}`;
        await this.ensure(b.digest, b.size, () => verified(b.open(), { what, digest: b.digest, size: b.size }), what);
      }
    }
    return list;
  }

  async layer(img: WritableImage, layer: WritableLayer, i: number, name: string): Promise<LayerOutcome & { blob: PushedBlob }> {
    const what = `layer ${i + 1} of ${name}`;
    if (!layer.open) {
      // A thin archive: the layer must be in the repository already (the base was pushed there), or in a base
      // repository on the same registry, from which it is mounted.
      const d = await this.lookup.find(layer.diffId);
      if (d && (await this.client.headBlob(d.digest)) !== undefined) {
        return { digest: d.digest, size: d.size, compression: layerTypeCompression(d.mediaType) ?? 'gzip', mediaType: d.mediaType, blob: { digest: d.digest, size: d.size, how: 'exists' } };
      }
      for (const repo of this.opts.baseRepos ?? []) {
        const b = await this.baseLookup(repo).find(layer.diffId);
        if (!b) continue;
        const m = await this.client.mount(b.digest, repo);
        if (!m.mounted) throw new StowageError(`${what}: ${this.client.http.host} would not mount ${b.digest} from ${repo} into ${this.client.repo}`);
        return { digest: b.digest, size: b.size, compression: layerTypeCompression(b.mediaType) ?? 'gzip', mediaType: b.mediaType, blob: { digest: b.digest, size: b.size, how: 'mounted' } };
      }
      const looked = [this.client.repo, ...(this.opts.baseRepos ?? [])].join(', ');
      throw new StowageError(`${what} is not in the source (a thin archive), and no image in ${looked} on ${this.client.http.host} has its DiffID ${layer.diffId}: name the repository holding the base with --base-repo REPO, push the base there first, or push the full image (stowage apply)`);
    }
    // A layer whose descriptor names its uncompressed tar (a kept manifest, as the containerd image store pushes
    // one) goes as that blob: compressing it would break the manifest that names it.
    const namedPlain = layer.descriptor?.digest === layer.diffId;
    if ((layer.compression === 'none' && !this.opts.keepUncompressed && !namedPlain) || (this.opts.recompress && layer.compression !== this.target)) {
      // Its compressed digest is unknown until it is compressed: the repository may hold it under another tag.
      const d = await this.lookup.find(layer.diffId, this.target);
      if (d && (await this.client.headBlob(d.digest)) !== undefined) {
        return { digest: d.digest, size: d.size, compression: this.target, mediaType: d.mediaType, blob: { digest: d.digest, size: d.size, how: 'exists' } };
      }
      const key = `${layer.diffId}/${this.target}`;
      let p = this.blobs.get(key);
      if (!p) {
        const compressed = () => compress(this.target, checkedTar(layer, what), what, this.opts.compressionLevel);
        p = this.opts.spoolCompressed
          ? withSpooled(compressed(), what, (s) => this.ensure(s.digest, s.size, s.open, what))
          : this.client.upload({ open: compressed, what }).then((r) => ({ digest: r.digest, size: r.size, how: 'uploaded' as const }));
        this.blobs.set(key, p);
      }
      const blob = await p;
      return { digest: blob.digest, size: blob.size, compression: this.target, blob };
    }
    const digest = layer.digest ?? (await hashStored(layer));
    // Checked as it goes up: the count, the digest, and (when the pipeline asks) the DiffID on the side.
    const blob = await this.ensure(digest, layer.size, () => hashingCopy(layer, what), what);
    const out: LayerOutcome & { blob: PushedBlob } = { digest, size: layer.size, compression: layer.compression, blob };
    if (layer.descriptor?.mediaType) out.mediaType = layer.descriptor.mediaType;
    return out;
  }

  /** Pushes an image's layers and config; returns the manifest to put (the source's, when nothing changed). */
  async image(img: WritableImage): Promise<{ manifest: BuiltManifest; kept: boolean; blobs: PushedBlob[] }> {
    const name = img.tags[0] ?? img.configDigest;
    const outcomes = await Promise.all(img.layers.map((l, i) => this.limit(async () => {
      const r = await this.layer(img, l, i, name);
      this.opts.onLayer?.(r.size);
      return r;
    })));
    await this.ensure(img.configDigest, img.config.length, async function* () { yield img.config; }, `config of ${name}`);
    let kept = false;
    if (img.manifest) {
      const layers = (JSON.parse(img.manifest.bytes.toString('utf8')) as { layers?: Descriptor[] }).layers ?? [];
      kept = layers.length === outcomes.length && layers.every((d, i) => d.digest === outcomes[i]!.digest);
    }
    const w: WritableImage = kept ? img : {
      config: img.config,
      configDigest: img.configDigest,
      tags: img.tags,
      layers: img.layers.map((l, i) => ({ diffId: l.diffId, size: outcomes[i]!.size, compression: outcomes[i]!.compression, digest: outcomes[i]!.digest })),
    };
    return { manifest: manifestFor(w, { format: this.opts.manifestFormat ?? 'oci' }), kept, blobs: outcomes.map((o) => o.blob) };
  }
}

/** A push whose blobs are uploaded and whose manifests are ready: `commit` puts them, the tag last. */
export interface StagedPush {
  /** What the push will report (the layers and manifests; the digest the tag will name). */
  result: PushResult;
  commit(): Promise<PushResult>;
  abort(): Promise<void>;
}

/**
 * Stages a push to `REGISTRY/REPO[:TAG]`: every blob (layers, configs) is uploaded, which names nothing; `commit`
 * puts the manifests (by digest) and then the tag: one image becomes the tag's manifest; several (the platforms of
 * an index, with --all-platforms) an image index, kept byte for byte when every image in it is unchanged. A
 * refused push leaves the repository's tags and manifests as they were (uploaded blobs stay unreferenced, for the
 * registry's garbage collection).
 */
export async function stagePush(refText: string, images: WritableImage[], opts: PushOptions = {}): Promise<StagedPush> {
  const ref = registryReference(refText);
  if (ref.digest) throw new UsageError(`docker://${refText}: push to a tag, not a digest (the registry names the manifest by its digest)`);
  if (!images.length) throw new StowageError('nothing to push: the source has no image');
  if (opts.compression) checkCompressor(opts.compression);
  const client = clientFor(ref, { ...opts, push: true });
  const pusher = new Pusher(client, opts);
  const reference = formatReference(ref, false);
  try {
    const pushed = await Promise.all(images.map((img) => pusher.image(img)));
    const manifests = pushed.map((p) => ({ digest: p.manifest.digest, mediaType: p.manifest.mediaType, size: p.manifest.bytes.length, kept: p.kept }));
    // A source's index is kept whenever it lists exactly what was pushed, one image too (the containerd image store
    // pushes even a single-platform image under an index: its digest is the one a user pins).
    const kept = keptIndex(opts.index, manifests);
    const index = kept ?? (pushed.length === 1 ? undefined : newIndex(pushed.map((p) => p.manifest), opts.platforms));
    // Issue 20: the manifests a kept index lists beside the images (attestations) are staged with their blobs.
    const attached = kept ? await pusher.attached(kept.attached ?? []) : [];
    const top = index ? { digest: sha256(index.bytes), mediaType: index.mediaType } : { digest: pushed[0]!.manifest.digest, mediaType: pushed[0]!.manifest.mediaType };
    const distinct = new Map<Digest, PushedBlob>();
    for (const p of pushed) for (const b of p.blobs) if (!distinct.has(b.digest)) distinct.set(b.digest, b);
    const layers = [...distinct.values()];
    const result: PushResult = {
      reference,
      ...top,
      manifests,
      layers,
      uploaded: layers.filter((b) => b.how === 'uploaded').length,
      mounted: layers.filter((b) => b.how === 'mounted').length,
      existing: layers.filter((b) => b.how === 'exists').length,
      bytesUploaded: layers.filter((b) => b.how === 'uploaded').reduce((a, b) => a + b.size, 0),
    };
    return {
      result,
      abort: () => client.http.close(),
      commit: async () => {
        try {
          if (!index) {
            const m = pushed[0]!.manifest;
            await client.putManifest(ref.tag!, m.bytes, m.mediaType);
          } else {
            for (const p of pushed) await client.putManifest(p.manifest.digest, p.manifest.bytes, p.manifest.mediaType);
            for (const a of attached) await client.putManifest(a.digest, a.bytes, a.mediaType);
            await client.putManifest(ref.tag!, index.bytes, index.mediaType);
          }
          return result;
        } finally {
          await client.http.close();
        }
      },
    };
  } catch (e) {
    await client.http.close();
    throw e;
  }
}

/** The source's index, when it lists exactly the manifests pushed and those attached to it (so its digest is kept). */
function keptIndex(index: PushOptions['index'], manifests: { digest: Digest }[]): PushOptions['index'] {
  if (!index) return undefined;
  try {
    const listed = ((JSON.parse(index.bytes.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? []).map((d) => d.digest);
    const pushed = new Set([...manifests.map((m) => m.digest), ...(index.attached ?? []).map((a) => a.digest)]);
    if (listed.length === pushed.size && listed.every((d) => pushed.has(d))) return index;
  } catch { /* build a new one */ }
  return undefined;
}

function newIndex(manifests: BuiltManifest[], platforms: (Platform | undefined)[] = []): { bytes: Buffer; mediaType: string } {
  const descs: Descriptor[] = manifests.map((m, i) => {
    const d: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    const p = platforms[i];
    if (p) d.platform = { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
    return d;
  });
  return { bytes: indexJson(descs), mediaType: OCI_INDEX };
}
