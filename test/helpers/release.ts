/**
 * A software release as the bundle tests and bench ship it: five apps on two shared bases, in three versions, each
 * a `docker save`-style archive (uncompressed layers) that a real engine loads and runs. Every image is three layers:
 * a busybox root (the same in every image), its base's runtime (base a or b: a few MB of text and a binary-like
 * blob; base a gets a "security update" in v3: a few lines and bytes change), and the app (a run script printing
 * its name and version, and data files of which each version changes a few lines). Deterministic: the same
 * version gives the same bytes, so DiffIDs and image IDs are stable across runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildImage, writeDockerArchive } from './build-image.js';
import { dir, file, layerOf, seeded, type LayerEntry } from './build-layer.js';
import { busyboxRootfs } from './images.js';

export const APPS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'] as const;
/** Which base each app is built on. */
export const BASE_OF: Record<(typeof APPS)[number], 'a' | 'b'> = { alpha: 'a', bravo: 'a', charlie: 'a', delta: 'b', echo: 'b' };
export const VERSIONS = [1, 2, 3] as const;
export type Version = (typeof VERSIONS)[number];

/** Lines of text-like data: line i says something fixed by (seed, i), except the lines `changed` rewrites. */
function text(seed: string, lines: number, changed: (i: number) => string | undefined = () => undefined): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const h = createHash('sha256').update(`${seed}/${i}`).digest('hex');
    out.push(changed(i) ?? `${seed} entry ${i} checksum ${h.slice(0, 32)} size ${parseInt(h.slice(32, 38), 16)} path /opt/${seed}/${h.slice(38, 46)}`);
  }
  return Buffer.from(out.join('\n') + '\n');
}

/** Pseudo-binary bytes, the same for the same seed; `patch` overwrites a few places. */
function binary(seed: string, size: number, patch = 0): Buffer {
  const out = seeded(seed, size);
  for (let k = 1; k <= patch; k++) out.writeUInt32LE((0xdeadbeef ^ k) >>> 0, Math.floor((size / (patch + 1)) * k) & ~3);
  return out;
}

function runtime(base: 'a' | 'b', v: Version): LayerEntry[] {
  const updated = base === 'a' && v >= 3;
  return [
    dir(`opt/runtime-${base}/`),
    file(`opt/runtime-${base}/catalog.txt`, text(`runtime-${base}`, 40_000, (i) => (updated && i % 5000 === 7 ? `patched entry ${i} (security update)` : undefined))),
    file(`opt/runtime-${base}/libcore.so`, binary(`libcore-${base}`, 3 << 20, updated ? 6 : 0), { mode: 0o755 }),
    file(`opt/runtime-${base}/VERSION`, updated ? `${base}.1.1\n` : `${base}.1.0\n`),
  ];
}

function app(name: string, v: Version): LayerEntry[] {
  return [
    dir('app/'),
    file('app/run.sh', `#!/bin/sh\necho "${name} v${v} on $(cat /opt/runtime-*/VERSION)"\n`, { mode: 0o755 }),
    file('app/data.txt', text(`app-${name}`, 12_000, (i) => (i % 1500 === v ? `${name} release ${v} line ${i}` : undefined))),
    file('app/assets.bin', binary(`assets-${name}`, 1 << 20, v)),
  ];
}

export interface ReleaseImage {
  app: string;
  version: Version;
  tag: string;
  archive: string;
  imageId: string;
  diffIds: string[];
}

/** Writes every app at every version under `dir` (`dir/v1/alpha.tar`, ...): 15 archives sharing layers. */
export async function buildRelease(dir: string, opts: { repo?: string } = {}): Promise<Map<string, ReleaseImage>> {
  const work = join(dir, 'layers');
  mkdirSync(work, { recursive: true });
  const root = await layerOf(readFileSync(busyboxRootfs(work)));
  const out = new Map<string, ReleaseImage>();
  for (const v of VERSIONS) {
    mkdirSync(join(dir, `v${v}`), { recursive: true });
    const runtimes = { a: await layerOf(runtime('a', v)), b: await layerOf(runtime('b', v)) };
    for (const name of APPS) {
      const created = `2026-0${v}-01T00:00:00Z`;
      const history = ['busybox root', `runtime ${BASE_OF[name]}`, `${name} v${v}`];
      const tag = `${opts.repo ?? 'stowage-release'}/${name}:${v}`;
      const img = buildImage([root, runtimes[BASE_OF[name]], await layerOf(app(name, v))], {
        tags: [tag],
        config: { created, config: { Cmd: ['/bin/sh', '/app/run.sh'], Env: ['PATH=/bin'] } },
        history: (i) => ({ created, created_by: history[i] }),
      });
      const archive = join(dir, `v${v}`, `${name}.tar`);
      await writeDockerArchive(archive, [img], { manifestFirst: true });
      out.set(`${name}:${v}`, { app: name, version: v, tag, archive, imageId: img.imageId, diffIds: img.diffIds });
    }
  }
  writeFileSync(join(dir, 'README'), 'made by test/helpers/release.ts\n');
  return out;
}

/** The archives of one version, in app order. */
export function archivesOf(rel: Map<string, ReleaseImage>, v: Version): string[] {
  return APPS.map((a) => rel.get(`${a}:${v}`)!.archive);
}
