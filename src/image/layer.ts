/**
 * A layer as operations see it: its identities and its bytes, read only through these methods. Each transport
 * builds its layers (a file tree's through tree-layers.ts); an op never asks where a layer is stored. Every read
 * that can check itself does: stored bytes against the blob digest and size, uncompressed bytes against the DiffID.
 */
import type { Sniffed } from '../compress/detect.js';
import type { FileRegion } from '../fs/tree.js';
import type { LayerDigests } from '../hash/layer-digest.js';
import type { Digest } from '../oci/digest.js';
import type { ByteSource } from '../tar/bytesource.js';
import type { Descriptor, HistoryEntry } from '../oci/types.js';

export interface Layer {
  /** The facts a transport read (identities, path, descriptor, v1 names), for reports. */
  readonly record: LayerRecord;
  readonly index: number;
  readonly diffId: Digest;
  readonly chainId: Digest;
  /** Whether the source holds the bytes (a thin archive leaves some out). */
  readonly present: boolean;
  /** The blob digest of the stored bytes, when known without reading them (a manifest names it, or a plain tar's is its DiffID). */
  readonly digest?: Digest;
  /** Stored size in bytes (0 when unknown and absent). */
  readonly size: number;
  /** How the stored bytes are compressed, told from their first bytes. */
  readonly compression: Sniffed;
  /** The media type a manifest gives the blob (the stored manifest's, else the OCI type of its compression). */
  readonly mediaType: string;
  /** The stored bytes. Checked against the blob digest (when known) and the size as they are read, unless `verify: false`. */
  compressed(opts?: { verify?: boolean }): AsyncIterable<Buffer>;
  /** The uncompressed tar, checked against the DiffID as it is read. */
  uncompressed(): AsyncIterable<Buffer>;
  /**
   * The uncompressed tar for the tar reader: a plain tar in a real file is read by offset (entries nobody needs are
   * skipped by seeking), so it is not hashed here; callers that need proof take `digests()` beside it.
   */
  tar(what: string): Promise<ByteSource>;
  /** Where the stored bytes lie in a real file, when they do: the copy threads read them there. */
  region(): Promise<FileRegion | undefined>;
  /** Digests of the stored bytes, computed once per distinct file (worker threads for big files in a real file). */
  digests(): Promise<LayerDigests>;
}

export interface LayerRecord {
  /** Position from the bottom, 0-based. */
  index: number;
  /** From the config's rootfs.diff_ids. */
  diffId: Digest;
  chainId: Digest;
  /** The path that names the layer in the source (manifest.json `Layers` entry, or `blobs/sha256/<hex>`). */
  path?: string;
  /** Whether the source holds the layer's bytes (a thin archive leaves some out). */
  present: boolean;
  /** Why the bytes are not there, for the message of a read that needs them (default: a thin archive's reason). */
  absentBecause?: string;
  /** The file the path resolved to after archive links, when it was a link (repeated layers in `docker save`). */
  linkedTo?: string;
  /** Bytes as stored. */
  storedSize?: number;
  /** Compression told from the first bytes. */
  compression?: Sniffed;
  /** The blob descriptor of a real manifest (OCI layout, Docker 25+ archive). */
  descriptor?: Descriptor;
  /** The legacy `<v1id>/` directory name the archive uses for this layer. */
  v1Dir?: string;
  /** The v1 ID moby's rule gives this layer (Docker 20.10 to 24). */
  v1Computed?: Digest;
  /** The history entry that made this layer (empty_layer entries skipped). */
  history?: HistoryEntry;
}

