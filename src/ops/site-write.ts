/**
 * Writing a bundle's images where they land. A file output takes them all at once (it appears whole or not at
 * all). A place that holds many images (an engine, an OCI layout, a registry) takes them one image at a time, each
 * proved and committed by the write pipeline on its own, and an image the place holds already (the same config
 * under the same name) is not written again: an apply interrupted midway (a pulled cable, a full disk, Ctrl-C) is
 * re-run and does only what is left, and a failure leaves the images before it delivered whole, none half-delivered.
 * A registry's root (`docker://SITE/`) takes each image under its own name (site-names.ts).
 */
import { existsSync } from 'node:fs';
import { StowageError } from '../errors.js';
import type { WritableImage } from '../image/writable.js';
import { sameTag } from '../oci/reference.js';
import type { DestSpec, WriteOptions, WriteResult } from '../transports/contract.js';
import { EngineClient } from '../transports/docker-daemon/client.js';
import { parseDestSpec, writeImages } from '../transports/dest.js';
import { openSource } from '../transports/open.js';
import { splitPrefix } from '../transports/spec.js';
import { nameOnSite, registryRoot } from './site-names.js';
import { isNotThere } from './site-bases.js';

export interface LandingResult extends WriteResult {
  /** For a registry's root: the references the images landed under. */
  landed?: string[];
  /** Images the destination held already (same config, same name): not written again. */
  alreadyThere?: string[];
}

/** One write: a destination name and the image (or, for a file, images) it takes. */
interface Landing { dest: string; images: WritableImage[] }

/**
 * The writes, in order. Images with the same names go together (the platforms of one multi-platform image: one
 * tag, one index); a registry's root takes each name as a repository and tag of its own.
 */
function landings(output: string, images: WritableImage[]): { list: Landing[]; registry: boolean } {
  const groups = new Map<string, WritableImage[]>();
  for (const img of images) {
    const key = img.tags.length ? [...img.tags].sort().join('\n') : img.configDigest;
    groups.set(key, [...(groups.get(key) ?? []), img]);
  }
  const host = registryRoot(output);
  if (host) {
    const list: Landing[] = [];
    for (const imgs of groups.values()) {
      const img = imgs[0]!;
      if (!img.tags.length) throw new StowageError(`${output}: image ${img.configDigest} has no name to push it under; give docker://${host}/REPO:TAG`);
      for (const tag of img.tags) list.push({ dest: `docker://${host}/${nameOnSite(tag)}`, images: imgs });
    }
    return { list, registry: true };
  }
  const t = splitPrefix(output)?.transport;
  // Places that hold many images: one image (or one multi-platform image) a write; an OCI layout named with a tag
  // takes one image anyway.
  if ((t === 'docker-daemon' && output === 'docker-daemon:') || (t === 'oci' && !/:[^/:]+$/.test(output.slice(4)))) {
    return { list: [...groups.values()].map((imgs) => ({ dest: output, images: imgs })), registry: false };
  }
  return { list: [{ dest: output, images }], registry: t === 'docker' };
}

/** The destination `output` names, for what it accepts (a registry's root: one repository of it). */
export function landingDest(output: string): DestSpec {
  const host = registryRoot(output);
  return parseDestSpec(host ? `docker://${host}/stowage-site:latest` : output, 'docker-archive');
}

/** Whether `dest` holds `img` already: the same config digest under each of its names. */
async function holds(dest: string, img: WritableImage, layout?: Map<string, string[]>): Promise<boolean> {
  const p = splitPrefix(dest);
  try {
    if (p?.transport === 'oci' && layout) return img.tags.length > 0 && img.tags.every((t) => (layout.get(img.configDigest) ?? []).some((n) => sameTag(n, t)));
    if (p?.transport === 'docker-daemon') {
      // The classic store's image ID is the config digest (the containerd store's is the manifest's: written again).
      const client = new EngineClient();
      for (const t of img.tags) if ((await client.inspectImage(t)).Id !== img.configDigest) return false;
      return img.tags.length > 0;
    }
    if (p?.transport === 'docker') {
      const src = await openSource(dest);
      try {
        return src.images.length === 1 && src.images[0]!.config.digest === img.configDigest;
      } finally {
        await src.close();
      }
    }
  } catch (e) {
    if (isNotThere(e)) return false;
    throw e;
  }
  return false;
}

/** The images of an existing layout by config digest, with their names. */
async function layoutNames(output: string): Promise<Map<string, string[]> | undefined> {
  const dir = output.slice(4);
  if (!existsSync(dir)) return undefined;
  const src = await openSource(`oci:${dir}`);
  try {
    const m = new Map<string, string[]>();
    for (const i of src.images) m.set(i.config.digest, [...(m.get(i.config.digest) ?? []), ...i.tags]);
    return m;
  } finally {
    await src.close();
  }
}

export async function writeWhereTheyLand(output: string, images: WritableImage[], opts: WriteOptions): Promise<LandingResult> {
  const { list, registry } = landings(output, images);
  const total: LandingResult = { layersWritten: 0, layerBytes: 0, omitted: [], bytes: 0, alreadyThere: [] };
  if (list.length === 1 && list[0]!.images.length > 1) return writeImages(parseDestSpec(output, 'docker-archive'), images, opts);
  const layout = splitPrefix(output)?.transport === 'oci' ? await layoutNames(output) : undefined;
  // A re-run must not send a registry what it holds: rebuilt layers are compressed first, then asked for by digest.
  if (registry) opts = { ...opts, push: { ...opts.push, spoolCompressed: true } };
  for (const { dest, images: imgs } of list) {
    const img = imgs[0]!;
    const name = registry ? dest : (img.tags[0] ?? img.configDigest);
    if (imgs.length === 1 && (await holds(dest, img, layout))) {
      total.alreadyThere!.push(name);
    } else {
      const r = await writeImages(parseDestSpec(dest, 'docker-archive'), imgs, opts);
      total.layersWritten += r.layersWritten;
      total.layerBytes += r.layerBytes;
      total.bytes += r.bytes;
      if (r.tagged) total.tagged = [...(total.tagged ?? []), ...r.tagged];
      if (r.loaded) total.loaded = [...(total.loaded ?? []), ...r.loaded];
    }
    if (registry) (total.landed ??= []).push(dest);
  }
  return total;
}
