/**
 * What a writer needs to write an image: the config bytes, the tags, and per layer a way to read its stored bytes.
 * Writers never look back at the source's format, so any source can be written to any destination.
 */
import type { Compression } from '../compress/detect.js';
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/types.js';
import type { FileRegion } from '../fs/tree.js';
import type { Layer } from './layer.js';
import type { ImageSource, SourceImage } from './model.js';
import { proofOfLayer } from './layer-proof.js';

export interface WritableLayer {
  diffId: Digest;
  /** Stored size in bytes. */
  size: number;
  compression: Compression;
  /** The blob digest of the stored bytes, when known (a manifest named it, or the layer is stored uncompressed). */
  digest?: Digest;
  /** A descriptor from the source's manifest, kept when the layer is copied unchanged. */
  descriptor?: Descriptor;
  /**
   * The stored bytes. Absent for a layer the destination leaves out (a thin archive). `reuse`: the reader is done
   * with each chunk when it asks for the next, so a source may read the next one into the same memory (apply's
   * rebuilt layers: src/patch/buffer-pool.ts); a source may ignore it.
   */
  open?: (o?: { reuse?: boolean }) => AsyncIterable<Buffer>;
  /**
   * How a writer checks the bytes it copies (see hashingCopy). Absent: hashed as they pass, in this thread. A
   * function: called when the copy starts, it computes the digests elsewhere (worker threads hashing the same bytes
   * in parallel); they are checked the same way when the copy ends. 'size': only the byte count is checked (the caller
   * vouches for the bytes: `--no-verify`). 'source': the source's stream checks the blob digest itself (a registry
   * blob), so the copy checks the count.
   */
  check?: 'size' | 'source' | (() => Promise<{ digest: Digest; diffId?: Digest }>);
  /**
   * Proves the stored bytes against the digest, size and DiffID that name them, beside the copy (the source's
   * worker threads hash the file once). Awaited by the write pipeline before it commits; absent, the pipeline has
   * the copy prove them as they pass (`diffIdInStream`).
   */
  prove?: () => Promise<void>;
  /** Set by the write pipeline only: the copy also decompresses the bytes on the side and checks the DiffID. */
  diffIdInStream?: boolean;
  /**
   * Where the stored bytes lie in a real file, when they do (an archive on disk, a layout's blob): a file sink then
   * copies them on its own threads (read, write and hash in parallel; see hash/copier.ts) instead of streaming them
   * through this one.
   */
  locate?: () => Promise<FileRegion | undefined>;
}

export interface WritableImage {
  /** The config, byte for byte. */
  config: Buffer;
  configDigest: Digest;
  tags: string[];
  layers: WritableLayer[];
  /** The source's manifest bytes, to keep when the destination takes them as they are (OCI to OCI, unchanged). */
  manifest?: { bytes: Buffer; digest: Digest; mediaType: string };
  /** Proofs of layers read to make this image that it does not carry (the layers `squash` merged). */
  madeFrom?: (() => Promise<void>)[];
}

export interface WritableOptions {
  /** Check the bytes copied against their digests (default true); false: only their count (`--no-verify`). */
  verify?: boolean;
}

/**
 * How a writer checks a layer it copies, decided here once for every op: only the count when the caller opted out,
 * or when the source's stream proves its own digest (a registry blob); worker threads hashing the same file when a
 * plain tar lies in a real file (its digest is its DiffID, so that one hash proves both); else a hash as the bytes
 * pass.
 */
function checkPolicy(src: ImageSource, layer: Layer, w: WritableLayer, opts: WritableOptions): WritableLayer['check'] {
  if (opts.verify === false) return 'size';
  if (src.blobsProveThemselves) return w.digest && (w.compression !== 'none' || w.digest === w.diffId) ? 'source' : undefined;
  if (src.seekable && w.compression === 'none') return () => layer.digests();
  return undefined;
}

/** Describes an image of a source for writing. Layers the source lacks have no `open`. */
export function writableFrom(src: ImageSource, img: SourceImage, opts: WritableOptions = {}): WritableImage {
  const sourceLayers = src.layers(img);
  const layers: WritableLayer[] = img.layers.map((l) => {
    const layer = sourceLayers[l.index]!;
    const c = l.compression;
    if (l.present && c !== 'none' && c !== 'gzip' && c !== 'zstd') {
      throw new StowageError(`${src.spec}: layer ${l.index + 1} is ${c}; only tar, gzip and zstd layers can be written`);
    }
    const w: WritableLayer = {
      diffId: l.diffId,
      size: l.storedSize ?? l.descriptor?.size ?? 0,
      compression: (c as Compression | undefined) ?? 'none',
    };
    if (l.descriptor) {
      // A descriptor kept as it is must tell the truth about the size (free to check: the file is there).
      if (l.present && l.storedSize !== undefined && l.storedSize !== l.descriptor.size) {
        throw new StowageError(`${src.spec}: layer ${l.index + 1} (${l.descriptor.digest}): the manifest says ${l.descriptor.size} bytes, the blob has ${l.storedSize}`);
      }
      w.descriptor = l.descriptor;
      w.digest = l.descriptor.digest;
    } else if (l.present && c === 'none') w.digest = l.diffId;
    if (layer.present) {
      // Unchecked here: the writer checks what it copies (hashingCopy), by the policy below.
      w.open = () => layer.compressed({ verify: false });
      if (src.seekable) w.locate = () => layer.region();
      const check = checkPolicy(src, layer, w, opts);
      if (check) w.check = check;
      const prove = opts.verify === false ? undefined : proofOfLayer(src, layer);
      if (prove) w.prove = prove;
    }
    return w;
  });
  const out: WritableImage = { config: img.config.bytes, configDigest: img.config.digest, tags: img.tags, layers };
  if (img.manifest?.origin === 'archive') out.manifest = { bytes: img.manifest.bytes, digest: img.manifest.digest, mediaType: img.manifest.mediaType };
  return out;
}
