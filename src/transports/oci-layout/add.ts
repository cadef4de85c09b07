/**
 * Adding images to an OCI layout that already exists (as `skopeo copy ... oci:DIR:TAG` and umoci do), safely when
 * several writers add to the same layout at once:
 *   - staging writes every blob under a temporary name in blobs/sha256/; committing renames them to their digests
 *     (the write pipeline commits only once every layer is proved), so no reader ever sees half a blob, or an
 *     unproved one, under a digest name, and a refused write leaves the layout as it was; a blob already there is
 *     kept;
 *   - index.json is read, merged and replaced (written beside it, then renamed) while holding index.json.lock,
 *     an exclusive lock file, so two writers never lose each other's entries; the blobs it names are all in place
 *     before it changes, so a reader never finds an entry whose blobs are missing.
 * An entry with the same ref name (the tag) is replaced, as skopeo does: the tag moves to the new image.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StowageError } from '../../errors.js';
import type { Sink } from '../../fs/sink.js';
import { removeOnExit } from '../../fs/temp.js';
import { indexJson } from '../../image/manifest.js';
import type { WritableImage } from '../../image/writable.js';
import { OCI_INDEX } from '../../oci/mediatypes.js';
import type { Descriptor } from '../../oci/types.js';
import { CONTAINERD_NAME, REF_NAME } from './read.js';
import { writeLayoutFiles, type LayoutWriteOptions, type LayoutWriteResult } from './write.js';
import { writeChunks } from '../../fs/write-chunks.js';

const LOCK_WAIT_MS = 120_000;
/** A lock older than this is left over by a writer that was killed: taken over. */
const LOCK_STALE_MS = 10 * 60_000;

/** Whether `dir` is an OCI image layout (its oci-layout file says so). */
export async function isLayout(dir: string): Promise<boolean> {
  try {
    const v = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')) as { imageLayoutVersion?: unknown };
    return typeof v.imageLayoutVersion === 'string';
  } catch {
    return false;
  }
}

const tmpSuffix = () => `.stowage-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;

/** Writes blobs into an existing layout under temporary names, renamed by `place()`. index.json and oci-layout are left alone. */
class LayoutAddSink implements Sink {
  readonly concurrent = 3;
  private readonly written = new Set<string>();
  /** Written under a temporary name, waiting for the commit: temporary path -> final path. */
  private readonly staged = new Map<string, string>();
  bytes = 0;
  constructor(private readonly root: string) {}

  /** Moves every staged blob to its digest name. */
  async placeAll(): Promise<void> {
    for (const [tmp, final] of this.staged) {
      await rename(tmp, final);
      this.staged.delete(tmp);
    }
  }

  /** Removes every staged blob. */
  async dropAll(): Promise<void> {
    await Promise.all([...this.staged.keys()].map((tmp) => rm(tmp, { force: true })));
    this.staged.clear();
    for (const f of this.forgets) f();
  }
  private readonly forgets: (() => void)[] = [];

  has(name: string): boolean {
    if (name === 'index.json' || name === 'oci-layout') return true;
    return this.written.has(name) || existsSync(join(this.root, name));
  }

  private async place(name: string, write: (tmp: string) => Promise<void>): Promise<void> {
    if (name === 'index.json' || name === 'oci-layout') return; // merged under the lock afterwards
    this.written.add(name);
    const final = join(this.root, name);
    await mkdir(dirname(final), { recursive: true });
    const tmp = final + tmpSuffix();
    this.forgets.push(removeOnExit(tmp));
    try {
      await write(tmp);
      this.staged.set(tmp, final);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async file(name: string, data: Buffer): Promise<void> {
    await this.place(name, (tmp) => writeFile(tmp, data, { flag: 'wx' }));
    this.bytes += data.length;
  }

  async stream(name: string, _size: number, body: AsyncIterable<Buffer>): Promise<void> {
    await this.place(name, async (tmp) => {
      await writeChunks(tmp, body, { flags: 'wx', onChunk: (c) => { this.bytes += c.length; } });
    });
  }

  async dir(name: string): Promise<void> {
    await mkdir(join(this.root, name), { recursive: true });
  }

  async symlink(name: string, target: string): Promise<void> {
    await this.place(name, (tmp) => symlink(target, tmp));
  }

  async finish(): Promise<void> {}
}

/** Holds index.json.lock while `work` runs. */
async function withIndexLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'index.json.lock');
  const started = Date.now();
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS) throw new StowageError(`${lock}: another writer has held this layout's lock for over ${LOCK_WAIT_MS / 1000} s; remove the file if no copy is running`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  const forget = removeOnExit(lock);
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
    forget();
  }
}

/**
 * The new index: the old entries, less those whose name a new entry takes, then the new entries. An entry's name is
 * containerd's full image name where both have one (`docker.io/team/app:2`: the ref name alone, `2`, is shared by
 * every repository's tag 2 in one layout), else its ref name.
 */
export function mergeIndex(old: Record<string, unknown>, added: Descriptor[]): Buffer {
  const manifests = Array.isArray(old.manifests) ? (old.manifests as Descriptor[]) : [];
  const takes = (a: Descriptor, d: Descriptor) => {
    const ref = d?.annotations?.[REF_NAME];
    if (ref === undefined || a.annotations?.[REF_NAME] !== ref) return false;
    const full = d.annotations?.[CONTAINERD_NAME];
    const fullA = a.annotations?.[CONTAINERD_NAME];
    return full === undefined || fullA === undefined || full === fullA;
  };
  const kept = manifests.filter((d) => {
    const ref = d?.annotations?.[REF_NAME];
    if (ref !== undefined) return !added.some((a) => takes(a, d));
    // An untagged entry for the same manifest is not repeated.
    return !added.some((a) => !a.annotations?.[REF_NAME] && a.digest === d?.digest);
  });
  if (Object.keys(old).every((k) => k === 'schemaVersion' || k === 'mediaType' || k === 'manifests')) {
    return indexJson([...kept, ...added]);
  }
  // Keep whatever else the index carries (annotations, subject): only its manifests change.
  return Buffer.from(JSON.stringify({ ...old, schemaVersion: 2, mediaType: old.mediaType ?? OCI_INDEX, manifests: [...kept, ...added] }));
}

/**
 * Stages images for the layout at `dir`: their blobs under temporary names. `commit` renames them into place and
 * merges index.json under the lock; `abort` removes them.
 */
export async function stageInLayout(dir: string, images: WritableImage[], opts: LayoutWriteOptions): Promise<{ result: LayoutWriteResult & { bytes: number }; commit(): Promise<void>; abort(): Promise<void> }> {
  const sink = new LayoutAddSink(dir);
  let r: LayoutWriteResult;
  try {
    r = await writeLayoutFiles(sink, images, opts);
  } catch (e) {
    await sink.dropAll();
    throw e;
  }
  return {
    result: { ...r, bytes: sink.bytes },
    abort: () => sink.dropAll(),
    commit: async () => {
      try {
        await sink.placeAll();
        await mergeIntoIndex(dir, r.manifests);
      } catch (e) {
        await sink.dropAll();
        throw e;
      }
      await sink.dropAll(); // nothing left to drop: forgets the exit handlers
    },
  };
}

/** Replaces index.json by its merge with `added`, holding the lock. */
async function mergeIntoIndex(dir: string, added: Descriptor[]): Promise<void> {
  await withIndexLock(dir, async () => {
    const file = join(dir, 'index.json');
    let old: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    try {
      old = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StowageError(`${file}: cannot add to this layout: ${(e as Error).message}`);
    }
    if (typeof old !== 'object' || old === null || Array.isArray(old)) throw new StowageError(`${file}: not a JSON object; cannot add to this layout`);
    const bytes = mergeIndex(old, added);
    const tmp = file + tmpSuffix();
    const forget = removeOnExit(tmp);
    try {
      await writeFile(tmp, bytes, { flag: 'wx' });
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
      forget();
    }
  });
}

/**
 * Issue 20 item 3 (signatures travel): blobs that are no image's (a signature's manifest and its blobs) added to an
 * existing layout the same safe way, each proved by the caller's stream, then `added` merged into index.json.
 */
export async function addBlobsToLayout(dir: string, blobs: { digest: string; size: number; body: () => AsyncIterable<Buffer> }[], added: Descriptor[]): Promise<void> {
  const sink = new LayoutAddSink(dir);
  try {
    for (const b of blobs) {
      const name = `blobs/${b.digest.replace(':', '/')}`;
      if (!sink.has(name)) await sink.stream(name, b.size, b.body());
    }
    await sink.placeAll();
    await mergeIntoIndex(dir, added);
  } finally {
    await sink.dropAll();
  }
}
