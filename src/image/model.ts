/**
 * The image model every transport reads into and every operation works on. It holds the small documents (config,
 * manifest) and, per layer, where its bytes are: never the bytes themselves.
 */
import type { Sniffed } from '../compress/detect.js';
import type { FileTree } from '../fs/tree.js';
import type { Digest } from '../oci/digest.js';
import type { Platform } from '../oci/platform.js';
import type { Descriptor, ImageConfig, Index, Manifest } from '../oci/types.js';
import type { Layer, LayerRecord } from './layer.js';

export type { LayerRecord };

export type SourceFormat = 'docker-archive' | 'oci-layout' | 'oci-archive' | 'registry' | 'patch-delta';

export interface ManifestInfo {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  parsed: Manifest;
  /** 'archive': a manifest stored in the source; 'synthesized': built by stowage from config and layers. */
  origin: 'archive' | 'synthesized';
  /** Where the manifest blob is, when stored. */
  path?: string;
  /** Why the stored manifest's digest is not the one a registry would report, when stowage can tell. */
  note?: string;
}

export interface SourceImage {
  /** Position in the source: the manifest.json entry or the image index order. */
  position: number;
  /** Tags as the source names them (RepoTags, or ref.name annotations). */
  tags: string[];
  config: { bytes: Buffer; digest: Digest; parsed: ImageConfig; path?: string };
  manifest?: ManifestInfo;
  /** Why no manifest digest can be given, when there is none. */
  manifestMissing?: string;
  platform: Platform;
  layers: LayerRecord[];
  /** The descriptor the image was reached through in an index (OCI layout), if any. */
  descriptor?: Descriptor;
  /** The index the manifest came from, when it was reached through a nested index. */
  parentIndex?: Digest;
}

/** A blob a source holds by digest (an index, an artifact's blob). */
export interface StoredBlob {
  size: number;
  open(): AsyncIterable<Buffer>;
  /** Reads it whole; throws a clear error over `limit` bytes. */
  read(limit: number): Promise<Buffer>;
}

export interface ImageSource {
  /** The name the user gave. */
  spec: string;
  format: SourceFormat;
  /** Which writer's layout this is, in words: "docker save, Docker <= 24 (legacy layout)". */
  flavor: string;
  /**
   * The engine image store that wrote this `docker save` (or serves this docker-daemon: source), when it can be
   * told: the containerd store names an image by its manifest (or index) digest, the classic store by its config's.
   */
  store?: 'classic' | 'containerd';
  /** The files the source was read from: for transports only (operations read bytes through `layers`, `blob`, `file`). */
  tree: FileTree;
  /** Whether layer bytes can be read again (false for a one-pass stream). */
  seekable: boolean;
  /** How the user names one of its images, for messages: "PATH:NAME:TAG or PATH:@N", "oci:DIR:TAG"; a registry none (one reference, one manifest or index). */
  selector?: string;
  /**
   * Its layer streams check their own blob digest as they are read, and a second read would fetch them again (a
   * registry): layers are then proved as they are copied, not by hashing them beside the copy.
   */
  blobsProveThemselves?: boolean;
  /** An image's layers with their bytes (built by the transport, once per image). */
  layers(img: SourceImage): Layer[];
  /** A blob the source holds, by digest; undefined when absent. */
  blob(digest: Digest): Promise<StoredBlob | undefined>;
  /** A file stored beside the images (stowage-delta.json), read whole; undefined when absent. */
  file(name: string, limit: number): Promise<Buffer | undefined>;
  /** Places where the source contradicts itself (manifest.json against index.json), reported by verify. */
  inconsistencies?: string[];
  images: SourceImage[];
  /** Anything odd noticed while reading that is not an error. */
  warnings: string[];
  /** index.json, where the source has one. */
  index?: { bytes: Buffer; parsed: Index };
  /** Manifests that are not images (Helm charts, signatures, attestations): listed, and their blobs verified. */
  artifacts?: { digest: Digest; configType: string; blobs: Descriptor[] }[];
  /** Config digests of images index.json lists but manifest.json does not (Docker 25+ archives). */
  indexOnly?: Digest[];
  /** manifest.json, where the source has one. */
  dockerManifest?: { bytes: Buffer; parsed: unknown[] };
  /** Where a registry source came from: the reference, and its manifest or index (kept so a copy keeps its digest). */
  registry?: { reference: string; host: string; repository: string; digest: Digest; mediaType: string; index?: Buffer };
  close(): Promise<void>;
}
