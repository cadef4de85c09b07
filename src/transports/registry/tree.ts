/**
 * A registry image seen as an OCI image layout, so the layout reader and every command work on it unchanged:
 * `oci-layout` and `index.json` are synthesized (index.json lists the reference's manifest or index), and
 * `blobs/sha256/<hex>` are fetched on demand: manifests by digest, configs and layers as blobs, each checked
 * against its digest. Layer heads are fetched with Range requests, in parallel, as soon as a manifest names them.
 */
import { StowageError } from '../../errors.js';
import { SNIFF_BYTES } from '../../compress/detect.js';
import { blobPath, isDigest, type Digest } from '../../oci/digest.js';
import { isIndexType } from '../../oci/mediatypes.js';
import type { FileRegion, FileTree, TreeFile } from '../../fs/tree.js';
import type { RegistryClient } from './client.js';

type Entry =
  | { kind: 'doc'; bytes: Buffer }
  | { kind: 'manifest'; digest: Digest; size?: number; bytes?: Buffer }
  | { kind: 'blob'; digest: Digest; size?: number; head?: Promise<Buffer> };

const BLOB = /^blobs\/sha256\/([a-f0-9]{64})$/;

export class RegistryTree implements FileTree {
  readonly seekable = true;
  readonly label: string;
  private readonly files = new Map<string, Entry>();

  constructor(readonly client: RegistryClient) {
    this.label = `registry ${client.name}`;
  }

  /** Adds a synthesized document (oci-layout, index.json). */
  addDoc(path: string, bytes: Buffer): void {
    this.files.set(path, { kind: 'doc', bytes });
  }

  /** Records a manifest already fetched (the reference's), so it is not fetched twice. */
  addManifest(digest: Digest, bytes: Buffer): void {
    this.files.set(blobPath(digest), { kind: 'manifest', digest, size: bytes.length, bytes });
    this.learn(bytes);
  }

  /** Learns the children a manifest or index names: manifests of an index, config and layers of a manifest. */
  private learn(bytes: Buffer): void {
    let doc: { mediaType?: string; manifests?: unknown; config?: unknown; layers?: unknown };
    try {
      doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
    } catch {
      return; // the layout reader reports it
    }
    const desc = (v: unknown): { digest: Digest; size?: number } | undefined => {
      const d = v as { digest?: unknown; size?: unknown } | null;
      if (!d || !isDigest(d.digest)) return undefined;
      return typeof d.size === 'number' ? { digest: d.digest, size: d.size } : { digest: d.digest };
    };
    if (Array.isArray(doc.manifests) || isIndexType(doc.mediaType)) {
      for (const m of (doc.manifests as unknown[]) ?? []) {
        const d = desc(m);
        const p = d && blobPath(d.digest);
        if (d && p && !this.files.has(p)) this.files.set(p, { kind: 'manifest', ...d });
      }
      return;
    }
    const c = desc(doc.config);
    if (c && !this.files.has(blobPath(c.digest))) this.files.set(blobPath(c.digest), { kind: 'blob', ...c });
    for (const l of Array.isArray(doc.layers) ? doc.layers : []) {
      const d = desc(l);
      if (!d) continue;
      const p = blobPath(d.digest);
      if (this.files.has(p)) continue;
      const e: Entry = { kind: 'blob', ...d };
      // Start fetching the first block now: the reader sniffs every layer, one after the other.
      e.head = this.client.blobHead(d.digest, SNIFF_BYTES);
      e.head.catch(() => undefined);
      this.files.set(p, e);
    }
  }

  /** The entry for a path; an unknown blob path is asked of the registry (a HEAD). */
  private async entry(path: string): Promise<Entry | undefined> {
    const known = this.files.get(path);
    if (known) return known;
    const m = BLOB.exec(path);
    if (!m) return undefined;
    const digest = `sha256:${m[1]}` as Digest;
    const size = await this.client.headBlob(digest);
    if (size === undefined) return undefined;
    const e: Entry = { kind: 'blob', digest, size };
    this.files.set(path, e);
    return e;
  }

  private async must(path: string): Promise<Entry> {
    const e = await this.entry(path);
    if (!e) throw new StowageError(`${this.label}: ${path} is missing`);
    return e;
  }

  async stat(path: string): Promise<TreeFile | undefined> {
    const e = await this.entry(path);
    if (!e) return undefined;
    const size = e.kind === 'doc' ? e.bytes.length : e.kind === 'manifest' ? (e.bytes?.length ?? e.size ?? 0) : (e.size ?? 0);
    return { path, resolved: path, size, linked: false };
  }

  async readSmall(path: string, limit: number): Promise<Buffer> {
    const e = await this.must(path);
    if (e.kind === 'doc') return e.bytes;
    if (e.kind === 'manifest') {
      if (!e.bytes) {
        e.bytes = (await this.client.getManifest(e.digest)).bytes;
        this.learn(e.bytes);
      }
      return e.bytes;
    }
    if (e.size !== undefined && e.size > limit) throw new StowageError(`${this.label}: ${path} is ${e.size} bytes, over the ${limit}-byte limit`);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of this.client.getBlob(e.digest, e.size)) {
      n += c.length;
      if (n > limit) throw new StowageError(`${this.label}: ${path} is over the ${limit}-byte limit`);
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  async head(path: string, n: number): Promise<Buffer> {
    const e = await this.must(path);
    if (e.kind !== 'blob') return (await this.readSmall(path, 16 << 20)).subarray(0, n);
    if (n <= SNIFF_BYTES) {
      e.head ??= this.client.blobHead(e.digest, SNIFF_BYTES);
      return (await e.head).subarray(0, n);
    }
    return this.client.blobHead(e.digest, n);
  }

  open(path: string): AsyncIterable<Buffer> {
    const self = this;
    return (async function* () {
      const e = await self.must(path);
      if (e.kind === 'blob') yield* self.client.getBlob(e.digest, e.size);
      else yield await self.readSmall(path, 16 << 20);
    })();
  }

  async region(): Promise<FileRegion | undefined> {
    return undefined;
  }

  precomputed(): undefined {
    return undefined;
  }

  async list(): Promise<string[]> {
    return [...this.files.keys()];
  }

  async close(): Promise<void> {
    await this.client.http.close();
  }
}
