/**
 * The classic image store's data root (<root>/image/<driver>), read directly when this process can: the engine's
 * own records of an image (repositories.json, imagedb, layerdb, distribution metadata) and their file times. What
 * they mean is ops/local.ts's business; this module only reads them.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest, type Digest } from '../../oci/digest.js';
import type { EngineImageInspect } from './client.js';

export interface DataRoot {
  dir: string; // <root>/image/<driver>
}

async function readable(dir: string): Promise<boolean> {
  try {
    await readdir(dir);
    return true;
  } catch {
    return false;
  }
}

async function mtime(path: string): Promise<string | null> {
  try {
    return (await stat(path)).mtime.toISOString();
  } catch {
    return null;
  }
}

async function text(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

/** Finds image/<driver> under a data root (the driver the engine reports, or the only one there). */
export async function findImageDir(root: string, driver?: string): Promise<DataRoot | null> {
  if (driver && (await readable(join(root, 'image', driver, 'imagedb')))) return { dir: join(root, 'image', driver) };
  try {
    for (const d of await readdir(join(root, 'image'))) if (await readable(join(root, 'image', d, 'imagedb'))) return { dir: join(root, 'image', d) };
  } catch { /* not there */ }
  return null;
}

/** Images from the data root alone (no engine to ask): repositories.json and imagedb. */
export async function imagesFromDataRoot(dr: DataRoot): Promise<EngineImageInspect[]> {
  const out: EngineImageInspect[] = [];
  const repos = JSON.parse((await text(join(dr.dir, 'repositories.json'))) ?? '{"Repositories":{}}') as { Repositories: Record<string, Record<string, string>> };
  const tagsOf = new Map<string, string[]>();
  const digestsOf = new Map<string, string[]>();
  for (const refs of Object.values(repos.Repositories ?? {})) {
    for (const [ref, id] of Object.entries(refs)) {
      const m = ref.includes('@') ? digestsOf : tagsOf;
      m.set(id, [...(m.get(id) ?? []), ref]);
    }
  }
  const contentDir = join(dr.dir, 'imagedb/content/sha256');
  for (const hex of await readdir(contentDir)) {
    const id = `sha256:${hex}`;
    const cfg = JSON.parse((await text(join(contentDir, hex))) ?? '{}') as { created?: string; os?: string; architecture?: string; rootfs?: { type: string; diff_ids?: string[] } };
    out.push({
      Id: id, RepoTags: tagsOf.get(id) ?? [], RepoDigests: digestsOf.get(id) ?? [], Created: cfg.created ?? '', Size: -1,
      ...(cfg.os ? { Os: cfg.os } : {}), ...(cfg.architecture ? { Architecture: cfg.architecture } : {}),
      RootFS: { Type: 'layers', Layers: cfg.rootfs?.diff_ids ?? [] },
    });
  }
  return out;
}

/** The data root's records of one image: file times, the parent a build recorded, the repositories its layers came from. */
export async function imageRecords(dr: DataRoot, hex: string, topChain: Digest | undefined, diffIds: Digest[]): Promise<{
  configStored: string | null; topLayerRegistered: string | null; parent: Digest | null; sourceRepositories: string[];
}> {
  const configStored = await mtime(join(dr.dir, 'imagedb/content/sha256', hex));
  const topLayerRegistered = topChain ? await mtime(join(dr.dir, 'layerdb/sha256', topChain.slice(7), 'diff')) : null;
  const p = await text(join(dr.dir, 'imagedb/metadata/sha256', hex, 'parent'));
  const repos = new Set<string>();
  for (const d of diffIds) {
    const meta = await text(join(dr.dir, 'distribution/v2metadata-by-diffid/sha256', d.slice(7)));
    if (!meta) continue;
    try {
      for (const m of JSON.parse(meta) as { SourceRepository?: string }[]) if (m.SourceRepository) repos.add(m.SourceRepository);
    } catch { /* unreadable record */ }
  }
  return { configStored, topLayerRegistered, parent: p && isDigest(p) ? p : null, sourceRepositories: [...repos] };
}
