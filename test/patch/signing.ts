/**
 * What the signature tests share (issue 20 item 3): the real signers of the forky chroot run offline (cosign 3.1,
 * notation 1.3; the chroot shares /tmp and the loopback network), a small app image as `docker push` makes it, and
 * a delta forged to prove apply refuses it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { layerTar } from '../helpers/archive.js';
import { oneLineError, stowage } from '../helpers/cli.js';
import { deltaEntries, writeEntries, type DeltaEntry } from '../helpers/delta-edit.js';
import { ROOT } from '../helpers/paths.js';
import type { Registry } from '../helpers/registry.js';

export const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
export const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Why a test of `tool` (in the chroot) cannot run here, or false. */
export function forkySkip(tool: string): string | false {
  if (!existsSync(join(FORKY, 'usr/bin', tool))) return `${tool} is not installed in the forky chroot ${FORKY} (scripts/peers/modern-engine.sh setup installs it; CI does)`;
  return process.getuid?.() !== 0 ? `running ${tool} in the forky chroot needs root (CI runs as root)` : false;
}

/** A chroot tool with HOME set to `home` (its keys, certificates and trust policy live there). */
export function forky(home: string, tool: string, args: string[], env: string[] = []): { status: number; out: string } {
  const r = spawnSync(join(ROOT, 'scripts/peers/modern-engine.sh'), ['run', 'env', `HOME=${home}`, 'XDG_CONFIG_HOME=', ...env, tool, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/**
 * Notation set up offline under `home`: a test key and certificate per name (`notation cert generate-test`, the
 * first the default signing key), and a trust policy that trusts every registry scope by those certificates' CA
 * stores, so `notation verify` needs nothing but the registry.
 */
export function notationSetup(home: string, names: string[]): void {
  for (const [i, n] of names.entries()) {
    const r = forky(home, 'notation', ['cert', 'generate-test', ...(i === 0 ? ['--default'] : []), n]);
    if (r.status !== 0) throw new Error(`notation cert generate-test ${n}: ${r.out}`);
  }
  const dir = join(home, '.config/notation');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'trustpolicy.json'), JSON.stringify({
    version: '1.0',
    trustPolicies: [{ name: 'stowage-test', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: names.map((n) => `ca:${n}`), trustedIdentities: ['*'] }],
  }));
}

/** An OCI layout holding one image with a Docker manifest as `docker push` makes it; layers gzip'd by Node. */
export async function upstreamApp(dir: string, version: number): Promise<{ digest: string }> {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const tars = [await layerTar({ 'etc/base.txt': 'base '.repeat(4000) }), await layerTar({ 'app/main.txt': `app v${version} `.repeat(4000 + version) })];
  const blobs = tars.map((t) => gzipSync(t, { level: 9 }));
  const put = (b: Buffer) => { writeFileSync(join(dir, 'blobs/sha256', sha(b).slice(7)), b); return sha(b); };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: tars.map(sha) } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: DOCKER_MANIFEST,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: put(config) },
    layers: blobs.map((b) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: b.length, digest: put(b) })),
  }, null, 3));
  const digest = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: DOCKER_MANIFEST, digest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': String(version) } }] }));
  return { digest };
}

/** The tags of a repository, as the registry lists them. */
export async function tags(reg: Registry, repo: string): Promise<string[]> {
  return ((await (await fetch(`http://${reg.addr}/v2/${repo}/tags/list`)).json()) as { tags: string[] | null }).tags ?? [];
}

/** A manifest as the registry serves it (its bytes and digest), or its status. */
export async function manifestAt(reg: Registry, repo: string, ref: string, accept = OCI_INDEX): Promise<{ status: number; digest: string | null; bytes: Buffer }> {
  const res = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${ref}`, { headers: { Accept: accept } });
  return { status: res.status, digest: res.headers.get('docker-content-digest'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/**
 * A forged copy of the delta at `from`, written to `to`: `forge` may change its entries (the index is entries[0],
 * parsed as `index`; it is written back after) and returns which entries to keep (all, when it returns nothing).
 */
export async function forgeDelta(from: string, to: string, forge: (index: any, entries: DeltaEntry[]) => DeltaEntry[] | void): Promise<void> {
  const entries = deltaEntries(from);
  const index = JSON.parse(entries[0]!.data.toString('utf8'));
  const kept = forge(index, entries) ?? entries;
  entries[0]!.data = Buffer.from(JSON.stringify(index));
  await writeEntries(to, kept);
}

/** Flips one byte (`back` bytes from the end) of the delta blob named by `digest`, its name kept: it no longer hashes to it. */
export function flipBlob(entries: DeltaEntry[], digest: string, back = 3): void {
  const e = entries.find((x) => x.name === `blobs/sha256/${digest.slice(7)}`)!;
  e.data[e.data.length - back] ^= 1;
}

/** `apply DELTA` of `repo:2` over `repo:1` into `site` fails in one line matching `message`, and tags nothing. */
export async function refusedAtSite(delta: string, site: Registry, repo: string, message: RegExp): Promise<void> {
  const r = stowage(['apply', delta, '--base', `docker://${site.addr}/${repo}:1`, '-o', `docker://${site.addr}/${repo}:2`]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(oneLineError(r), message);
  assert.deepEqual(await tags(site, repo), ['1']);
}
