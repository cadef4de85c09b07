/**
 * What a target holds: the layers and images it has, recorded by `stowage have` from an engine, an archive or a
 * layout, or read from the plain JSON of `docker image inspect` run on the target (so the target needs no stowage).
 * Each engine store has its own rule for a thin archive (ops/check.ts), so both facts are kept:
 * - by ChainID, never by DiffID alone: the classic store looks up the ChainID of each layer stack when it loads;
 * - by blob digest: the containerd store looks a left-out layer up in its content store by the digest the manifest
 *   names (uncompressed for a base loaded from a `docker save`, the registry's gzip/zstd blob for a pulled one).
 */
import { StowageError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { expectRecord, isRecord } from '../oci/json.js';
import { parseJsonInput } from '../oci/json-input.js';
import { v1LayerId } from '../oci/v1id.js';
import { parseDescriptor, type Descriptor } from '../oci/types.js';
import type { ImageStore } from '../transports/docker-daemon/client.js';

export interface HaveImage {
  tags: string[];
  imageId: Digest | null;
  diffIds: Digest[];
  /** The engine's image store, when the image was read from an engine (absent: an archive or a layout). */
  store?: ImageStore;
  /**
   * Per layer, the blob the target stores (digest, media type, size), parallel to diffIds; null where unknown
   * (`docker image inspect` names no blobs). Absent when nothing is known.
   */
  blobs?: (Descriptor | null)[];
}

/** Whether the target holds a blob: known from a record, assumed (a containerd store whose blobs were not named), or not. */
export type BlobHeld = 'yes' | 'assumed' | 'no';

export interface HaveFile {
  schema: 'stowage.have/v1';
  created: string;
  sources: string[];
  /** The image store of each engine recorded (present even when an engine held no image). */
  stores?: ImageStore[];
  images: HaveImage[];
}

export class HaveSet {
  readonly chains = new Map<Digest, string[]>(); // ChainID -> the tags (or image IDs) of images holding it
  readonly diffIds = new Set<Digest>();
  readonly imageIds = new Set<Digest>();
  /** The blob the target stores for each layer stack it holds, where known. */
  private readonly blobByChain = new Map<Digest, Descriptor>();
  /** Blob digests the target is known to store, and those only assumed (DiffIDs of images whose blobs are unknown). */
  private readonly blobsKnown = new Set<Digest>();
  private readonly blobsAssumed = new Set<Digest>();
  /** The stores the records came from ('unknown' for archives and layouts). */
  readonly stores = new Set<ImageStore | 'unknown'>();
  private v1Lower?: Set<string>;

  /** `engineStores`: the store of each engine read, so an engine holding no image still names its rule. */
  constructor(readonly images: HaveImage[], readonly sources: string[], readonly engineStores: ImageStore[] = []) {
    for (const s of engineStores) this.stores.add(s);
    for (const img of images) {
      if (img.imageId) this.imageIds.add(img.imageId);
      this.stores.add(img.store ?? 'unknown');
      const name = img.tags[0] ?? (img.imageId ? `${img.imageId.slice(0, 19)}… (untagged)` : 'an untagged image');
      for (const [i, c] of chainIds(img.diffIds).entries()) {
        this.diffIds.add(img.diffIds[i]!);
        const who = this.chains.get(c) ?? [];
        if (!who.includes(name)) who.push(name);
        this.chains.set(c, who);
        const blob = img.blobs?.[i];
        if (blob) {
          this.blobsKnown.add(blob.digest);
          if (!this.blobByChain.has(c)) this.blobByChain.set(c, blob);
        } else if (img.store === 'containerd') this.blobsAssumed.add(img.diffIds[i]!);
      }
    }
  }

  /** The blob the target stores for the top layer of a stack it holds, when a record names it. */
  blobFor(chainId: Digest): Descriptor | undefined {
    return this.blobByChain.get(chainId);
  }

  /** Whether the target's content store holds a blob (the containerd store's rule for a left-out layer). */
  holdsBlob(digest: Digest): BlobHeld {
    return this.blobsKnown.has(digest) ? 'yes' : this.blobsAssumed.has(digest) ? 'assumed' : 'no';
  }

  has(chainId: Digest): boolean {
    return this.chains.has(chainId);
  }

  /** Images that hold a layer stack (for messages: "provided by app:1"). */
  providers(chainId: Digest): string[] {
    return this.chains.get(chainId) ?? [];
  }

  /**
   * The legacy v1 directory name each held stack would get as a lower (non-top) layer of any `docker save` by
   * Docker <= 24: it depends on the ChainIDs alone, so a streamed save can skip such a layer on sight.
   */
  lowerV1Names(): Set<string> {
    if (this.v1Lower) return this.v1Lower;
    const out = new Set<string>();
    for (const img of this.images) {
      let parent: Digest | undefined;
      for (const c of chainIds(img.diffIds)) {
        const id = v1LayerId(c, parent);
        if (!id) break;
        out.add(id.slice(7));
        parent = id;
      }
    }
    this.v1Lower = out;
    return out;
  }

  toFile(): HaveFile {
    return { schema: 'stowage.have/v1', created: new Date().toISOString(), sources: this.sources, ...(this.engineStores.length ? { stores: this.engineStores } : {}), images: this.images };
  }
}

function blobList(v: unknown, n: number, what: string): (Descriptor | null)[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== n) throw new StowageError(`${what}: expected a list of ${n} blob descriptors (or nulls)`);
  return v.map((d, i) => (d === null ? null : parseDescriptor(d, `${what}[${i}]`)));
}

function storeField(v: unknown, what: string): ImageStore | undefined {
  if (v === undefined || v === null) return undefined;
  if (v !== 'classic' && v !== 'containerd') throw new StowageError(`${what}: expected "classic" or "containerd"`);
  return v;
}

function digestList(v: unknown, what: string): Digest[] {
  if (!Array.isArray(v) || !v.every(isDigest)) throw new StowageError(`${what}: expected a list of sha256 digests`);
  return v as Digest[];
}

/** Reads a have file: stowage's own, or the JSON array `docker image inspect IMAGE...` prints. */
export function parseHave(bytes: Buffer, what: string): HaveSet {
  const doc = parseJsonInput(bytes, what, '--have takes the JSON that `stowage have` writes (or that `docker image inspect IMAGE...` prints)');
  const notHave = `${what}: not a have file (expected the output of \`stowage have\` or of \`docker image inspect IMAGE...\`)`;
  if (Array.isArray(doc)) {
    if (doc.length === 0) throw new StowageError(`${what}: an empty list: docker image inspect found no images`);
    const images = doc.map((raw, i) => {
      if (!isRecord(raw) || !isRecord(raw.RootFS) || typeof raw.Id !== 'string') throw new StowageError(notHave);
      const layers = raw.RootFS.Layers ?? [];
      // Only the containerd image store reports the image's manifest (Descriptor); it names no layer blobs.
      const store: ImageStore = isRecord(raw.Descriptor) ? 'containerd' : 'classic';
      return {
        tags: Array.isArray(raw.RepoTags) ? (raw.RepoTags.filter((t) => typeof t === 'string') as string[]) : [],
        imageId: isDigest(raw.Id) ? raw.Id : null,
        diffIds: digestList(layers, `${what}[${i}].RootFS.Layers`),
        store,
      };
    });
    return new HaveSet(images, [`docker image inspect (${what})`]);
  }
  if (!isRecord(doc) || doc.schema !== 'stowage.have/v1') throw new StowageError(notHave);
  const r = expectRecord(doc, what);
  if (!Array.isArray(r.images)) throw new StowageError(`${what}: images: expected a list`);
  const images = r.images.map((raw, i) => {
    const img = expectRecord(raw, `${what}: images[${i}]`);
    const diffIds = digestList(img.diffIds, `${what}: images[${i}].diffIds`);
    const store = storeField(img.store, `${what}: images[${i}].store`);
    const blobs = blobList(img.blobs, diffIds.length, `${what}: images[${i}].blobs`);
    return {
      tags: Array.isArray(img.tags) ? (img.tags.filter((t) => typeof t === 'string') as string[]) : [],
      imageId: isDigest(img.imageId) ? img.imageId : null,
      diffIds,
      ...(store ? { store } : {}),
      ...(blobs ? { blobs } : {}),
    };
  });
  const sources = Array.isArray(r.sources) ? (r.sources.filter((s) => typeof s === 'string') as string[]) : [];
  const stores = Array.isArray(r.stores) ? r.stores.map((s, i) => storeField(s, `${what}: stores[${i}]`)!).filter(Boolean) : [];
  return new HaveSet(images, sources, stores);
}

export function mergeHave(sets: HaveSet[]): HaveSet {
  return new HaveSet(sets.flatMap((s) => s.images), sets.flatMap((s) => s.sources), sets.flatMap((s) => s.engineStores));
}
