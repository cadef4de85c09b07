/**
 * Builds a HaveSet from what the user names: `docker-daemon:` (every image of the engine, untagged ones too),
 * `docker-daemon:NAME`, an archive or a layout (read from configs, no layer bytes), or a have file.
 */
import { noteInput } from '../fs/same-file.js';
import { readFile } from 'node:fs/promises';
import { StowageError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { JSON_LIMIT } from '../limits.js';
import { EngineClient } from '../transports/docker-daemon/client.js';
import { openSource } from '../transports/open.js';
import { HaveSet, mergeHave, parseHave, type HaveImage } from './have.js';

/** Every image an engine holds, with its layers, through the API. */
export async function haveFromEngine(name?: string, client = new EngineClient()): Promise<HaveSet> {
  const ids = name ? [name] : (await client.listImages()).map((i) => i.Id);
  const images: HaveImage[] = [];
  for (const id of ids) {
    const img = await client.inspectImage(id);
    images.push({
      tags: img.RepoTags ?? [],
      imageId: isDigest(img.Id) ? (img.Id as Digest) : null,
      diffIds: (img.RootFS.Layers ?? []).filter(isDigest) as Digest[],
    });
  }
  return new HaveSet(images, [name ? `docker-daemon:${name}` : `docker-daemon: (${client.endpoint.url}, ${images.length} images)`]);
}

export async function haveFromSource(text: string): Promise<HaveSet> {
  if (text === 'docker-daemon:' || text === 'docker-daemon') return haveFromEngine();
  if (text.startsWith('docker-daemon:')) return haveFromEngine(text.slice('docker-daemon:'.length));
  const src = await openSource(text, { digest: false });
  try {
    return new HaveSet(
      src.images.map((i) => ({ tags: i.tags, imageId: i.config.digest, diffIds: i.config.parsed.rootfs.diff_ids })),
      [text],
    );
  } finally {
    await src.close();
  }
}

export async function haveFromFile(path: string): Promise<HaveSet> {
  let bytes: Buffer;
  try {
    bytes = path === '-' ? await readStdin() : await readFile(path);
    noteInput(path);
  } catch (e) {
    throw new StowageError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (bytes.length > JSON_LIMIT) throw new StowageError(`${path}: ${bytes.length} bytes, over the ${JSON_LIMIT}-byte limit for a have file`);
  return parseHave(bytes, path);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The union of every --base source and --have file. */
export async function gatherHave(bases: string[], haveFiles: string[]): Promise<HaveSet> {
  const sets: HaveSet[] = [];
  for (const b of bases) sets.push(await haveFromSource(b));
  for (const h of haveFiles) sets.push(await haveFromFile(h));
  return mergeHave(sets);
}
