/**
 * Opening a source that is a file tree (a file, a directory, standard input, an engine's export) into an
 * ImageSource: the format is sniffed from the bytes and the files present, never from the file name.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StowageError } from '../errors.js';
import { decompress } from '../compress/decompress.js';
import { sniff } from '../compress/detect.js';
import { sniffStream } from '../compress/sniff-stream.js';
import { DirTree } from '../fs/dir-tree.js';
import { StreamTree } from '../fs/stream-tree.js';
import { TarTree } from '../fs/tar-tree.js';
import { readHead } from '../fs/read-head.js';
import { TMP_HINT, fsError, isWriteFailure } from '../fs/fs-errors.js';
import { tempDir } from '../fs/temp.js';
import { noteInput } from '../fs/same-file.js';
import type { FileTree } from '../fs/tree.js';
import { sameTag } from '../oci/reference.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import type { OpenOptions, SourceEntry, SourceSpec } from './contract.js';
import { readDockerArchive } from './docker-archive/read.js';
import { REF_NAME, readOciLayout } from './oci-layout/read.js';

/** A bare path that names nothing: open.ts says which names would have worked. */
export class NoSuchSource extends StowageError {
  constructor(readonly spec: SourceSpec) {
    super(`${spec.path}: no such file or directory`);
  }
}

/** Decides between docker-archive and OCI layout by the files a tree holds. */
async function readTree(tree: FileTree, spec: SourceSpec, archive: boolean): Promise<ImageSource> {
  const want = spec.transport;
  if (want === 'oci' || want === 'oci-archive') return readOciLayout(tree, spec.text, archive ? 'oci-archive' : 'oci-layout');
  if (await tree.stat('manifest.json')) return readDockerArchive(tree, spec.text);
  if (want === 'docker-archive') {
    if (await tree.stat('repositories')) throw new StowageError(`${tree.label}: no manifest.json (a pre-Docker-1.10 save, which only has "repositories"; not supported)`);
    throw new StowageError(`${tree.label}: no manifest.json, so not a docker save archive`);
  }
  if ((await tree.stat('oci-layout')) || (await tree.stat('index.json'))) return readOciLayout(tree, spec.text, archive ? 'oci-archive' : 'oci-layout');
  if (await tree.stat('repositories')) throw new StowageError(`${tree.label}: no manifest.json (a pre-Docker-1.10 save, which only has "repositories"; not supported)`);
  throw new StowageError(`${tree.label}: neither manifest.json nor index.json found: not a docker save archive or an OCI layout`);
}

async function openTree(spec: SourceSpec, opts: OpenOptions, stream: SourceEntry['stream']): Promise<{ tree: FileTree; archive: boolean }> {
  if (stream) {
    // Standard input or an engine's export: a docker save stream, read in one pass, or spooled when layers are
    // read later.
    const { chunks, label } = await stream(spec, opts);
    if (opts.seekable) return { tree: await spooledTree(chunks, label), archive: true };
    return { tree: await streamTree(chunks, label, opts), archive: true };
  }
  let st;
  try {
    st = await stat(spec.path);
  } catch {
    throw new NoSuchSource(spec);
  }
  noteInput(spec.path);
  if (st.isDirectory()) {
    if (spec.transport === 'oci-archive') throw new StowageError(`${spec.path}: is a directory; oci-archive: wants a tar file (use oci:${spec.path})`);
    return { tree: await DirTree.open(spec.path), archive: false };
  }
  if (spec.transport === 'oci') throw new StowageError(`${spec.path}: is a file; oci: wants a layout directory (use oci-archive:${spec.path})`);
  if (st.isFIFO() || st.isCharacterDevice() || st.isSocket()) {
    // A pipe given by name (`stowage verify <(docker save app)`): one pass, as standard input, compressed or not.
    const { kind, chunks } = await sniffStream(createReadStream(spec.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, spec.path);
    const label = kind === 'gzip' || kind === 'zstd' ? `${spec.path} (${kind})` : spec.path;
    if (opts.seekable) return { tree: await spooledTree(chunks, label), archive: true };
    return { tree: await streamTree(chunks, label, opts), archive: true };
  }
  if (st.size === 0) throw new StowageError(`${spec.path}: empty file`);
  const kind = sniff(await readHead(spec.path, 512));
  if (kind === 'gzip' || kind === 'zstd') {
    // A compressed archive (docker save | gzip): read it in one pass through the decompressor.
    const what = `archive ${spec.path}`;
    const chunks = decompress(kind, createReadStream(spec.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, what);
    if (opts.seekable) return { tree: await spooledTree(chunks, `${what} (${kind})`), archive: true };
    return { tree: await streamTree(chunks, `${what} (${kind})`, opts), archive: true };
  }
  if (kind !== 'none') throw new StowageError(`${spec.path}: not a tar archive`);
  return { tree: await TarTree.open(spec.path), archive: true };
}

/** Copies a stream to a temporary file and indexes it; the file is removed when the tree is closed. */
export async function spooledTree(input: AsyncIterable<Buffer>, label: string): Promise<FileTree> {
  const { dir, remove } = await tempDir('stowage-spool-');
  const file = join(dir, 'input.tar');
  try {
    try {
      await pipeline(Readable.from(input), createWriteStream(file, { highWaterMark: 1 << 20 }));
    } catch (e) {
      throw isWriteFailure(e) ? fsError(e, `temporary folder ${dir} (spooling ${label})`, TMP_HINT) : e;
    }
    const tree = await TarTree.open(file, label);
    const close = tree.close.bind(tree);
    tree.close = async () => {
      await close();
      await remove();
    };
    return tree;
  } catch (e) {
    await remove();
    throw e;
  }
}

async function streamTree(input: AsyncIterable<Buffer>, label: string, opts: OpenOptions): Promise<StreamTree> {
  return StreamTree.read(input, label, { ...(opts.onFile ? { onFile: opts.onFile } : {}), ...(opts.digest === false ? { digest: false } : {}) });
}

/**
 * Opens a source that is a file tree: a file, a directory, or a docker save stream (`stream`: standard input, an
 * engine's export), read in one pass or spooled.
 */
export async function openTreeSource(spec: SourceSpec, opts: OpenOptions, stream?: SourceEntry['stream']): Promise<ImageSource> {
  const { tree, archive } = await openTree(spec, opts, stream);
  try {
    const src = await readTree(tree, spec, archive);
    src.images = selectBySpec(src, spec);
    return src;
  } catch (e) {
    await tree.close();
    throw e;
  }
}

function selectBySpec(src: ImageSource, spec: SourceSpec): SourceImage[] {
  if (spec.position !== undefined) {
    const img = src.images[spec.position];
    if (!img) throw new StowageError(`${spec.path}: has ${src.images.length} image(s); there is no @${spec.position}`);
    return [img];
  }
  if (spec.ref !== undefined) {
    const ref = spec.ref;
    const found = src.images.filter((i) =>
      i.tags.some((t) => t === ref || sameTag(t, ref)) || i.descriptor?.annotations?.[REF_NAME] === ref,
    );
    if (!found.length) {
      const all = src.images.flatMap((i) => i.tags);
      throw new StowageError(`${spec.path}: no image tagged ${ref}${all.length ? ` (it has: ${all.join(', ')})` : ' (it has no tags)'}`);
    }
    return found;
  }
  return src.images;
}

