/**
 * The bytes of a source read from a FileTree (a docker save, an OCI layout or archive, a registry image seen as a
 * layout): its layers as `Layer`s, its blobs by digest, and the extra files beside the images. The readers of
 * those formats give these to the ImageSource they return, so operations never touch the tree or its paths.
 * One BlobHasher per source: a file several layers (or a proof and a copy) need is hashed once.
 */
import { StowageError } from '../errors.js';
import { decompress } from '../compress/decompress.js';
import { describeCompression } from '../compress/detect.js';
import type { FileTree } from '../fs/tree.js';
import { counted, verified } from '../hash/verified.js';
import { BlobHasher } from './blob-hasher.js';
import { blobPath, type Digest } from '../oci/digest.js';
import { ociLayerType } from '../oci/mediatypes.js';
import { StreamByteSource, type ByteSource } from '../tar/bytesource.js';
import { ReadAheadFileSource } from '../tar/readahead-source.js';
import type { Layer } from '../image/layer.js';
import type { ImageSource, LayerRecord, SourceImage, StoredBlob } from '../image/model.js';

/** Stored bytes checked as they stream: the size, and the digest when one is expected. */
function checked(input: AsyncIterable<Buffer>, what: string, digest: Digest | undefined, size: number | undefined): AsyncIterable<Buffer> {
  const want = { what, ...(digest ? { digest } : {}), ...(size !== undefined ? { size } : {}) };
  return digest ? verified(input, want) : counted(input, want);
}

class TreeLayer implements Layer {
  readonly digest?: Digest;
  readonly mediaType: string;

  constructor(private readonly bytes: TreeBytes, readonly record: LayerRecord, private readonly what: string) {
    const digest = record.descriptor?.digest ?? (this.present && this.compression === 'none' ? record.diffId : undefined);
    if (digest) this.digest = digest;
    const c = this.compression;
    this.mediaType = record.descriptor?.mediaType ?? ociLayerType(c === 'gzip' || c === 'zstd' ? c : 'none');
  }

  get index() { return this.record.index; }
  get diffId() { return this.record.diffId; }
  get chainId() { return this.record.chainId; }
  get present() { return this.record.present && !!this.record.path; }
  get size() { return this.record.storedSize ?? this.record.descriptor?.size ?? 0; }
  get compression() { return this.record.compression ?? 'unknown'; }
  private get absentBecause() { return this.record.absentBecause ?? 'a thin archive leaves it out'; }

  private get path(): string {
    if (!this.present) throw new StowageError(`${this.what}: not in the source (${this.absentBecause})`);
    return this.record.path!;
  }

  compressed(opts: { verify?: boolean } = {}): AsyncIterable<Buffer> {
    const raw = this.bytes.tree.open(this.path);
    if (opts.verify === false) return raw;
    return checked(raw, this.what, this.digest, this.record.storedSize);
  }

  uncompressed(): AsyncIterable<Buffer> {
    // An absent layer says why it is absent (its compression is unknown because nothing of it is here).
    if (!this.present) void this.path;
    const kind = this.compression;
    if (kind === 'none') return checked(this.bytes.tree.open(this.path), this.what, this.diffId, this.record.storedSize);
    if (kind !== 'gzip' && kind !== 'zstd') throw new StowageError(`${this.what}: ${describeCompression(kind)}; cannot read its files`);
    return checked(decompress(kind, this.compressed(), this.what), `${this.what} (uncompressed)`, this.diffId, undefined);
  }

  async tar(what: string): Promise<ByteSource> {
    if (!this.present) throw new StowageError(`${what}: not in the source (${this.absentBecause}); this needs every layer's files`);
    const kind = this.compression;
    const tree = this.bytes.tree;
    if (kind === 'none') {
      const region = await tree.region(this.path);
      if (region) return ReadAheadFileSource.open(region.file, region.offset, region.offset + region.size);
      return new StreamByteSource(tree.open(this.path));
    }
    if (kind !== 'gzip' && kind !== 'zstd') throw new StowageError(`${what}: ${describeCompression(kind)}; cannot read its files`);
    return new StreamByteSource(decompress(kind, tree.open(this.path), what));
  }

  region() {
    return this.present && this.bytes.tree.seekable ? this.bytes.tree.region(this.path) : Promise.resolve(undefined);
  }

  digests() {
    return this.bytes.hasher().hash(this.path);
  }
}

/** What a tree-backed ImageSource gets from here (spread into the object a reader returns). */
export type TreeAccess = Pick<ImageSource, 'tree' | 'seekable' | 'layers' | 'blob' | 'file' | 'close'>;

class TreeBytes {
  private blobHasher: BlobHasher | undefined;
  private readonly built = new WeakMap<SourceImage, Layer[]>();

  constructor(readonly tree: FileTree, private readonly spec: string) {}

  hasher(): BlobHasher {
    return (this.blobHasher ??= new BlobHasher(this.tree));
  }

  layers(img: SourceImage): Layer[] {
    let ls = this.built.get(img);
    if (!ls) {
      const n = img.layers.length;
      ls = img.layers.map((r) => new TreeLayer(this, r, `${this.spec}: layer ${r.index + 1}/${n}${r.path ? ` (${r.path})` : ''}`));
      this.built.set(img, ls);
    }
    return ls;
  }

  async blob(digest: Digest): Promise<StoredBlob | undefined> {
    const path = blobPath(digest);
    const st = await this.tree.stat(path);
    if (!st) return undefined;
    const tree = this.tree;
    return { size: st.size, open: () => tree.open(path), read: (limit: number) => tree.readSmall(path, limit) };
  }

  async file(name: string, limit: number): Promise<Buffer | undefined> {
    return (await this.tree.stat(name)) ? this.tree.readSmall(name, limit) : undefined;
  }

  async close(): Promise<void> {
    try {
      await this.blobHasher?.close();
    } finally {
      await this.tree.close();
    }
  }
}

export function treeAccess(tree: FileTree, spec: string): TreeAccess {
  const b = new TreeBytes(tree, spec);
  return {
    tree,
    seekable: tree.seekable,
    layers: (img) => b.layers(img),
    blob: (d) => b.blob(d),
    file: (name, limit) => b.file(name, limit),
    close: () => b.close(),
  };
}
