/**
 * Pushes a built image (build-image.ts) to a registry over the distribution API with plain fetch, as an upstream
 * build would, so a test's "upstream" image gets to the registry without going through stowage: each blob in one
 * monolithic upload (POST, then PUT with the digest), then the manifest under its tag. The registry checks every
 * digest; the manifest's digest is its bytes' (the same bytes give the same digest, whatever the indent).
 */
import { sha } from './build-layer.js';
import { manifestOf, type BuiltImage, type ManifestOptions } from './build-image.js';

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

async function pushBlob(base: string, b: Buffer): Promise<void> {
  const digest = sha(b);
  if ((await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' })).ok) return;
  const start = await ok(await fetch(`${base}/blobs/uploads/`, { method: 'POST' }), `upload of ${digest}`);
  const at = new URL(start.headers.get('location')!, base);
  at.searchParams.set('digest', digest);
  await ok(await fetch(at, { method: 'PUT', body: b, headers: { 'content-type': 'application/octet-stream' } }), `upload of ${digest}`);
}

/** Pushes `img` to `http://ADDR/v2/REPO` under `tag`; returns the manifest's digest. */
export async function pushImage(addr: string, repo: string, tag: string, img: BuiltImage, o: ManifestOptions = {}): Promise<string> {
  const base = `http://${addr}/v2/${repo}`;
  for (const b of [img.config, ...img.layers.map((l) => l.blob)]) await pushBlob(base, b);
  const m = manifestOf(img, o);
  await ok(await fetch(`${base}/manifests/${tag}`, { method: 'PUT', body: m.bytes, headers: { 'content-type': m.mediaType } }), `manifest ${repo}:${tag}`);
  return m.digest;
}
