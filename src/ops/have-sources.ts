/**
 * Builds a HaveSet from what the user names: `docker-daemon:` (every image of the engine, untagged ones too),
 * `docker-daemon:NAME`, a registry repository (`docker://REGISTRY/REPO`, every tag; have-registry.ts), an archive or
 * a layout (read from configs, no layer bytes), or a have file.
 */
import { noteInput } from '../fs/same-file.js';
import { open } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import { isDigest, sha256, type Digest } from '../oci/digest.js';
import { JSON_LIMIT } from '../limits.js';
import type { SourceImage } from '../image/model.js';
import { OCI_LAYER } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import { EngineClient } from '../transports/docker-daemon/client.js';
import { contentRoots, storedImage } from '../transports/docker-daemon/stored-blobs.js';
import { openSource } from '../transports/open.js';
import { splitPrefix } from '../transports/spec.js';
import { HaveSet, mergeHave, parseHave, type HaveImage } from './have.js';
import { haveFromRegistry } from './have-registry.js';

/**
 * Every image an engine holds, with its layers, through the API. On the containerd image store each image's stored
 * manifest is read too (stored-blobs.ts), for the blob digests its content store holds; on the classic store the
 * blobs are the uncompressed layers, named by their DiffIDs.
 */
export async function haveFromEngine(name?: string, client = new EngineClient(), opts: { dataRoot?: string } = {}): Promise<HaveSet> {
  const store = await client.store();
  const roots = store === 'containerd' ? contentRoots(opts.dataRoot ?? (await client.info()).DockerRootDir) : [];
  const ids = name ? [name] : (await client.listImages()).map((i) => i.Id);
  const images: HaveImage[] = [];
  for (const id of ids) {
    const img = await client.inspectImage(id);
    const diffIds = (img.RootFS.Layers ?? []).filter(isDigest) as Digest[];
    const rec: HaveImage = { tags: img.RepoTags ?? [], imageId: isDigest(img.Id) ? (img.Id as Digest) : null, diffIds, store };
    if (store === 'containerd') {
      const stored = await storedImage(client, id, img, roots);
      if (stored && stored.layers.length === diffIds.length) rec.blobs = stored.layers.map((d) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size }));
    }
    images.push(rec);
  }
  const what = `${store === 'containerd' ? 'containerd image store' : 'classic image store'}`;
  return new HaveSet(images, [name ? `docker-daemon:${name} (${what})` : `docker-daemon: (${client.endpoint.url}, ${what}, ${images.length} images)`], [store]);
}

/** The blob each layer of a file's image is stored as: what an engine that loaded the file holds. */
function blobsOf(img: SourceImage): (Descriptor | null)[] {
  return img.layers.map((l) => {
    if (l.descriptor) return { mediaType: l.descriptor.mediaType, digest: l.descriptor.digest, size: l.descriptor.size };
    if (l.present && l.compression === 'none' && l.storedSize !== undefined) return { mediaType: OCI_LAYER, digest: l.diffId, size: l.storedSize };
    return null;
  });
}

export async function haveFromSource(text: string, opts: { dataRoot?: string } = {}): Promise<HaveSet> {
  // docker-daemon: alone (or the bare word) is every image of the engine, untagged ones too.
  const p = text === 'docker-daemon' ? { transport: 'docker-daemon', rest: '' } : splitPrefix(text);
  if (p?.transport === 'docker-daemon') return haveFromEngine(p.rest || undefined, undefined, opts);
  if (p?.transport === 'docker') return haveFromRegistry(text);
  const src = await openSource(text, { digest: false });
  try {
    return new HaveSet(
      src.images.map((i) => ({ tags: i.tags, imageId: i.config.digest, diffIds: i.config.parsed.rootfs.diff_ids, blobs: blobsOf(i) })),
      [text],
    );
  } finally {
    await src.close();
  }
}

export async function haveFromFile(path: string): Promise<HaveSet> {
  return (await haveRecord(path)).set;
}

/** A have file (or apply receipt) with the sha256 of its bytes: a bundle names the site states it was made for. */
export async function haveRecord(path: string): Promise<{ set: HaveSet; digest: Digest }> {
  const bytes = await readBounded(path, JSON_LIMIT);
  noteInput(path);
  return { set: parseHave(bytes, path === '-' ? 'standard input' : path), digest: sha256(bytes) };
}

/**
 * A have file's bytes, at most `limit`: whatever the source (a regular file, a FIFO, a device such as /dev/zero,
 * standard input), reading stops one chunk past the limit, so an endless source costs no more than a large file.
 */
async function readBounded(path: string, limit: number): Promise<Buffer> {
  const what = path === '-' ? 'standard input' : path;
  const over = (n: string) => new StowageError(`${what}: ${n} bytes, over the ${limit}-byte limit for a have file`);
  const parts: Buffer[] = [];
  let total = 0;
  const take = (c: Buffer): boolean => {
    parts.push(c);
    total += c.length;
    return total > limit;
  };
  if (path === '-') {
    for await (const c of process.stdin) {
      if (take(c as Buffer)) {
        process.stdin.destroy();
        throw over(`more than ${limit}`);
      }
    }
    return Buffer.concat(parts);
  }
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StowageError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? (e as Error).message})`}`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new StowageError(`${path}: a directory, not a have file`);
    if (st.isFile() && st.size > limit) throw over(String(st.size));
    const chunk = 1 << 20;
    for (;;) {
      const b = Buffer.allocUnsafe(chunk);
      const { bytesRead } = await fh.read(b, 0, chunk, null);
      if (bytesRead === 0) break;
      if (take(b.subarray(0, bytesRead))) throw over(`more than ${limit}`);
    }
    return Buffer.concat(parts);
  } catch (e) {
    if (e instanceof StowageError) throw e;
    throw new StowageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    await fh.close();
  }
}

/** The union of every --base source and --have file. */
export async function gatherHave(bases: string[], haveFiles: string[]): Promise<HaveSet> {
  const sets: HaveSet[] = [];
  for (const b of bases) sets.push(await haveFromSource(b));
  for (const h of haveFiles) sets.push(await haveFromFile(h));
  return mergeHave(sets);
}
