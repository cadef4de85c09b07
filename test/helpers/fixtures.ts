/**
 * The project's own test archives and layouts (scripts/fixtures/generate.mjs), written once per test process into
 * a scratch directory: a clone needs nothing outside itself. `facts` holds what a reader must find in each, computed
 * by the generator with node:crypto from the bytes it wrote (see facts.json in the directory).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, scratch } from './paths.js';

export interface ImageFacts {
  tags?: string[];
  imageId: string;
  manifestDigest?: string;
  diffIds: string[];
  chainIds?: string[];
  blobDigests?: string[];
  platform?: string;
  v1Ids?: string[];
  layerPaths?: string[];
  linkedTo?: (string | null)[];
}

export interface Facts {
  legacyBundle: ImageFacts[];
  docker25: ImageFacts[];
  docker25Containerd: ImageFacts[];
  ociIndex: { nestedIndex: string; images: ImageFacts[] };
  ociArtifact: { manifestDigest: string; blobBytes: number };
  ociArchive: ImageFacts;
  whiteoutImage: ImageFacts;
  whiteoutDir: ImageFacts;
  overwrittenFile: ImageFacts;
  editedConfig: { named: string; actual: string };
}

export interface Generated {
  dir: string;
  facts: Facts;
  /** The path of one fixture. */
  f(name: string): string;
}

type Generator = {
  generate(dir: string): Promise<Facts>;
  listing(dir: string): string[];
};

/** The generator module itself (tests that need images of their own make them with build-image.ts, as it does). */
export async function generator(): Promise<Generator> {
  return (await import(pathToFileURL(join(ROOT, 'scripts/fixtures/generate.mjs')).href)) as Generator;
}

let made: Promise<Generated> | undefined;

export function fixtures(): Promise<Generated> {
  made ??= (async () => {
    const dir = join(scratch('stowage-fixtures-'), 'gen');
    const facts = await (await generator()).generate(dir);
    return { dir, facts, f: (name: string) => join(dir, name) };
  })();
  return made;
}
