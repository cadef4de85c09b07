/**
 * The test app the producer tests push (test/patch/exact-producers.test.ts, exact-zstd.test.ts): v1 and v2 as a
 * docker save archive and as a BuildKit build context, and what a loopback registry serves under a tag.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { files, tarOf, writeTar } from './build-layer.js';
import { manifestAt, type Registry } from './registry.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

/** Text-like content, the same for the same seed: compressible, as source files are. */
function words(seed: string, n: number): string {
  const vocab = ['alpha', 'beta', 'gamma', 'config', 'return', 'value', 'struct', 'import', 'the', 'of', 'layer', 'digest'];
  let h = createHash('sha256').update(seed).digest();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 32 === 0) h = createHash('sha256').update(h).digest();
    out.push(vocab[h[i % 32]! % vocab.length]!);
    if (i % 10 === 9) out.push(`${i}\n`);
  }
  return out.join(' ');
}

/**
 * A docker save archive (uncompressed layers) of the app at a version, tagged `tag`: a base layer the same in both
 * versions, and an app layer whose files v2 changes by a few lines (so it is patched, and recompressed on apply).
 */
function appFiles(version: number): { base: Record<string, string>; app: Record<string, string> } {
  const app: Record<string, string> = {};
  for (let i = 0; i < 6; i++) app[`app/src-${i}.txt`] = words(`app-${i}`, 7000) + (version > 1 && i % 2 ? words(`app-${i}-v${version}`, 200) : '');
  return { base: { 'base/os-release': words('base', 20000) }, app };
}

export async function appArchive(path: string, version: number, tag: string): Promise<void> {
  const { base, app } = appFiles(version);
  const tars = [await tarOf(files(base)), await tarOf(files(app))];
  const diffIds = tars.map(sha);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: [{ created_by: 'base' }, { created_by: `app ${version}` }] }));
  await writeTar(path, [
    { name: 'manifest.json', data: JSON.stringify([{ Config: `${sha(config).slice(7)}.json`, RepoTags: [tag], Layers: diffIds.map((d) => `${d.slice(7)}/layer.tar`) }]) },
    { name: `${sha(config).slice(7)}.json`, data: config },
    ...tars.map((t, i) => ({ name: `${diffIds[i]!.slice(7)}/layer.tar`, data: t })),
  ]);
}

/**
 * The same app as a build context for BuildKit: a Dockerfile copying the base files, then the app files, each a
 * layer. Every file and folder gets one fixed mtime, so v1's and v2's base layers are the same tar (BuildKit keeps a
 * context file's mtime in the layer) and only the app layer changes.
 */
export function appContext(ctx: string, version: number): void {
  const { base, app } = appFiles(version);
  const all: Record<string, string> = { ...base, ...app, Dockerfile: 'FROM scratch\nCOPY base/ /base/\nCOPY app/ /app/\nCMD ["/app"]\n' };
  for (const [name, data] of Object.entries(all)) {
    mkdirSync(dirname(join(ctx, name)), { recursive: true });
    writeFileSync(join(ctx, name), data);
  }
  for (const name of [...Object.keys(all), 'base', 'app', '.']) utimesSync(join(ctx, name), 1700000000, 1700000000);
}

/**
 * What the registry serves under a tag: the digest of the document (an image manifest, or the index the containerd
 * image store pushes even one platform under), the document, and the image manifest itself.
 */
export async function served(reg: Registry, repo: string, ref: string): Promise<{ status: number; digest: string | null; doc: any; manifest: any }> {
  const get = async (r: string) => {
    const { status, digest, bytes } = await manifestAt(reg, repo, r, ACCEPT);
    return { status, digest, doc: status === 200 ? JSON.parse(bytes.toString('utf8')) : null };
  };
  const top = await get(ref);
  const manifest = top.doc?.manifests ? (await get(top.doc.manifests[0].digest)).doc : top.doc;
  return { ...top, manifest };
}
