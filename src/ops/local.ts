/**
 * local: what a Docker engine knows about its images, and when each arrived. The engine API gives tags, repo
 * digests, the config's `created` and the last time the image was tagged; the classic store's data root, when this
 * process can read it, adds the engine's own file records: when the config was last stored (a pull, load, build or
 * commit writes it), when the top layer was first registered, whether a build recorded a parent image, and which
 * registry repository each pulled layer came from. Every time is labelled: recorded by the engine, recorded in the
 * image, or inferred from a file's modification time.
 */
import { StowageError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { layerTypeCompression } from '../oci/mediatypes.js';
import { contentRoots, storedImage } from '../transports/docker-daemon/stored-blobs.js';
import { storeOf, EngineClient, type EngineImageInspect } from '../transports/docker-daemon/client.js';
import { findImageDir, imageRecords, imagesFromDataRoot, type DataRoot } from '../transports/docker-daemon/data-root.js';

export interface TimeFact {
  time: string;
  /** 'engine': a record the engine keeps; 'image': written in the image config by its builder; 'inferred': a file time. */
  kind: 'engine' | 'image' | 'inferred';
  source: string;
}

export interface LocalImage {
  imageId: Digest;
  tags: string[];
  repoDigests: string[];
  size: number | null;
  platform: string;
  created: TimeFact | null;
  lastTagged: TimeFact | null;
  /** When the engine last stored the image's config (pull, load, build, commit). */
  stored: TimeFact | null;
  /** When its top layer was first registered in the layer store. */
  topLayerRegistered: TimeFact | null;
  /** How it most likely arrived, and the evidence. */
  arrival: { how: 'pulled' | 'built' | 'loaded-or-imported' | 'unknown'; evidence: string[] };
  /** Registry repositories its layers were pulled from or pushed to (distribution metadata, per layer). */
  sourceRepositories: string[];
  parent: Digest | null;
  layers: { diffId: Digest; chainId: Digest }[];
  /** Other images that share layers with this one: how many of this image's layers (by ChainID). */
  sharesWith: { image: string; layers: number }[];
}

export interface LocalReport {
  schema: 'stowage.local/v1';
  engine: string | null;
  dataRoot: string | null;
  /** Why the data root was not read, if it was not. */
  dataRootNote: string | null;
  images: LocalImage[];
}

export async function local(opts: { dataRoot?: string; client?: EngineClient; all?: boolean } = {}): Promise<LocalReport> {
  const client = opts.client ?? new EngineClient();
  let engineImages: EngineImageInspect[] | undefined;
  let driver: string | undefined;
  let apiRoot: string | undefined;
  let engineError: string | undefined;
  let store: 'classic' | 'containerd' = 'classic';
  try {
    const info = await client.info();
    store = storeOf(info.DriverStatus);
    driver = info.Driver;
    apiRoot = info.DockerRootDir;
    engineImages = [];
    for (const s of await client.listImages(opts.all ?? false)) engineImages.push(await client.inspectImage(s.Id));
  } catch (e) {
    engineError = (e as Error).message;
    if (!opts.dataRoot) throw e;
  }
  let dr: DataRoot | null = null;
  let note: string | null = null;
  const rootDir = opts.dataRoot ?? apiRoot;
  if (store === 'containerd' && !opts.dataRoot) {
    note = 'the containerd image store keeps its records in containerd\'s own metadata database, which the Engine API does not show: the last tag time is the time it records';
  } else if (rootDir) {
    dr = await findImageDir(rootDir, driver);
    if (!dr) note = `${rootDir}: not readable here (run as root on the engine's machine, or give --data-root), so arrival times cannot be inferred`;
  } else note = 'the engine did not say where its data root is';
  if (!engineImages) {
    if (!dr) throw new StowageError(`${engineError}; and ${note}`);
    engineImages = await imagesFromDataRoot(dr);
    note = `the engine is not reachable (${engineError}); read from the data root only`;
  }

  const chainsOf = new Map<string, Digest[]>();
  for (const img of engineImages) chainsOf.set(img.Id, chainIds(((img.RootFS.Layers ?? []) as string[]).filter(isDigest) as Digest[]));
  const name = (img: EngineImageInspect) => img.RepoTags?.[0] ?? `${img.Id.slice(7, 19)} (untagged)`;
  const images: LocalImage[] = [];
  for (const img of engineImages) {
    const chains = chainsOf.get(img.Id)!;
    const diffIds = ((img.RootFS.Layers ?? []) as string[]).filter(isDigest) as Digest[];
    const hex = img.Id.replace(/^sha256:/, '');
    const evidence: string[] = [];
    let stored: TimeFact | null = null;
    let registered: TimeFact | null = null;
    let parent: Digest | null = null;
    const repos = new Set<string>();
    if (dr) {
      const rec = await imageRecords(dr, hex, chains[chains.length - 1], diffIds);
      if (rec.configStored) stored = { time: rec.configStored, kind: 'inferred', source: 'modification time of imagedb/content/sha256/<id>, rewritten when the image is pulled, loaded, built or committed' };
      if (rec.topLayerRegistered) registered = { time: rec.topLayerRegistered, kind: 'inferred', source: 'modification time of layerdb/sha256/<top ChainID>/diff, written when the layer was first registered' };
      if (rec.parent) {
        parent = rec.parent;
        evidence.push(`a parent image is recorded (imagedb/metadata/.../parent: ${rec.parent.slice(0, 19)}…), as the builder writes`);
      }
      for (const r of rec.sourceRepositories) repos.add(r);
    }
    // The engine records repo digests when it pulls an image (and when it pushes one); layer distribution metadata
    // is per layer, shared by every image holding the layer, so it is evidence about layers, not about this image.
    let how: LocalImage['arrival']['how'];
    if (store === 'containerd' && !engineError) {
      // The containerd store gives every image a repo digest (its own manifest digest), loaded ones too: what it
      // stores tells more. A docker load of a docker save stores uncompressed tars; a pull keeps the registry's
      // compressed blobs (as does a BuildKit build, which compresses its layers).
      const held = await storedImage(client, img.Id, img, contentRoots(opts.dataRoot ?? apiRoot)).catch(() => undefined);
      const plain = held?.layers.every((d) => layerTypeCompression(d.mediaType) === 'none');
      if (img.RepoDigests?.length) evidence.push(`repo digests ${img.RepoDigests.join(', ')}: the containerd image store records one for every image, loaded ones too, so it does not tell a pull`);
      if (held && plain) {
        how = 'loaded-or-imported';
        evidence.unshift('its layers are stored as uncompressed tars, as a docker load of a docker save (or docker import) stores them; a pull keeps the registry\'s compressed blobs');
      } else {
        how = 'unknown';
        if (held) evidence.unshift('its layers are stored compressed, as a pull (or a BuildKit build, or a load of such an image\'s save) stores them');
      }
    } else {
      if (img.RepoDigests?.length) evidence.push(`repo digests, which the engine records on pull (or push): ${img.RepoDigests.join(', ')}`);
      how = img.RepoDigests?.length ? 'pulled' : parent ? 'built' : dr ? 'loaded-or-imported' : 'unknown';
    }
    if (repos.size) evidence.push(`its layers are known from registry repositories ${[...repos].join(', ')} (distribution metadata, per layer)`);
    if (how === 'loaded-or-imported' && store === 'classic') evidence.unshift('no repo digest and no parent image: docker load, docker import, or a build by BuildKit');
    if (how === 'unknown' && store === 'classic') evidence.push('no pull record; the data root is needed to tell more');
    const mine = new Set(chains);
    const shares: LocalImage['sharesWith'] = [];
    for (const other of engineImages) {
      if (other.Id === img.Id) continue;
      const n = chainsOf.get(other.Id)!.filter((c) => mine.has(c)).length;
      if (n) shares.push({ image: name(other), layers: n });
    }
    const lastTag = img.Metadata?.LastTagTime;
    images.push({
      imageId: img.Id as Digest,
      tags: img.RepoTags ?? [],
      repoDigests: img.RepoDigests ?? [],
      size: img.Size >= 0 ? img.Size : null,
      platform: [img.Os, img.Architecture, img.Variant].filter(Boolean).join('/') || 'unknown',
      created: img.Created ? { time: img.Created, kind: 'image', source: 'the config\'s created field, written by whoever built the image (any clock, any time)' } : null,
      lastTagged: lastTag && !lastTag.startsWith('0001-') ? { time: lastTag, kind: 'engine', source: 'Metadata.LastTagTime, recorded by the engine when it last tagged the image' } : null,
      stored,
      topLayerRegistered: registered,
      arrival: { how, evidence },
      sourceRepositories: [...repos],
      parent,
      layers: diffIds.map((d, i) => ({ diffId: d, chainId: chains[i]! })),
      sharesWith: shares.sort((a, b) => b.layers - a.layers),
    });
  }
  images.sort((a, b) => (b.stored?.time ?? b.created?.time ?? '').localeCompare(a.stored?.time ?? a.created?.time ?? ''));
  return { schema: 'stowage.local/v1', engine: engineImages && !engineError ? client.endpoint.url : null, dataRoot: dr?.dir ?? null, dataRootNote: note, images };
}
