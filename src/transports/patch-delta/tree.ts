/**
 * A patch delta's blobs seen as a file tree (`blobs/sha256/<hex>`), so its images are read by the same layer code as
 * every file-tree source (tree-layers.ts). Every blob was proved against its name when the delta was read
 * (read-delta.ts); the tree only hands the proved bytes out again.
 */
import { blobPath, type Digest } from '../../oci/digest.js';
import type { FileRegion, FileTree, TreeFile } from '../../fs/tree.js';
import type { LayerDigests } from '../../hash/layer-digest.js';
import { namedBlobs, type PatchDelta } from '../../patch/read-delta.js';
import { StowageError } from '../../errors.js';

export class DeltaTree implements FileTree {
  readonly seekable = true;
  private readonly byPath = new Map<string, { digest: Digest; size: number }>();

  constructor(private readonly delta: PatchDelta) {
    for (const [digest, size] of namedBlobs(delta.index)) this.byPath.set(blobPath(digest), { digest, size });
  }

  get label(): string {
    return this.delta.what;
  }

  private blob(path: string): { digest: Digest; size: number } {
    const b = this.byPath.get(path);
    if (!b) throw new StowageError(`${this.delta.what}: holds no ${path}`);
    return b;
  }

  async stat(path: string): Promise<TreeFile | undefined> {
    const b = this.byPath.get(path);
    return b ? { path, resolved: path, size: b.size, linked: false } : undefined;
  }

  async readSmall(path: string, limit: number): Promise<Buffer> {
    const b = this.blob(path);
    if (b.size > limit) throw new StowageError(`${this.delta.what}: ${path} is ${b.size} bytes, over the ${limit} this reads whole`);
    return this.delta.bytes(b.digest);
  }

  async head(path: string, n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    for await (const c of this.delta.stream(this.blob(path).digest)) {
      parts.push(c);
      got += c.length;
      if (got >= n) break;
    }
    return Buffer.concat(parts).subarray(0, n);
  }

  open(path: string): AsyncIterable<Buffer> {
    return this.delta.stream(this.blob(path).digest);
  }

  async region(): Promise<FileRegion | undefined> {
    return undefined;
  }

  precomputed(): LayerDigests | undefined {
    return undefined;
  }

  async list(): Promise<string[]> {
    return [...this.byPath.keys()];
  }

  close(): Promise<void> {
    return this.delta.close();
  }
}
