/**
 * The real encoders the pgzip recipe tests compare with, all from the Debian forky chroot of
 * scripts/peers/modern-engine.sh (the chroot shares the host's /tmp, so every file they read or write lives there):
 * - pgzipper (test/recipes/go-pgzip/pgzipper.go): pgzip.NewWriter as containers/image calls it, built by forky's
 *   Go against forky's golang-github-klauspost-compress-dev 1.20.0 and golang-github-klauspost-pgzip-dev 1.2.6;
 *   a static binary, so it runs on the host.
 * - podman 5.8.6 (built with klauspost/compress 1.20.0) and skopeo 1.22.0 (with 1.18.1): what they push is the
 *   reference for layers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';

export const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';
export const SCRIPT = join(ROOT, 'scripts/peers/modern-engine.sh');
const root = process.getuid?.() === 0;
const GOCODE = join(FORKY, 'usr/share/gocode/src/github.com/klauspost');

function debVersion(pkg: string): string | undefined {
  try {
    return execFileSync('chroot', [FORKY, 'dpkg-query', '-W', '-f=${Version}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return undefined;
  }
}

const chrootThere = root && existsSync(join(FORKY, 'usr/bin/skopeo'));
const NO_CHROOT = `the Debian forky chroot is not at ${FORKY} (or not root): run scripts/peers/modern-engine.sh setup as root (CI does)`;

function goSkip(): string | false {
  if (!chrootThere) return NO_CHROOT;
  if (!existsSync(join(FORKY, 'usr/bin/go')) || !existsSync(join(GOCODE, 'pgzip/gzip.go')) || !existsSync(join(GOCODE, 'compress/flate/level5.go'))) {
    return 'forky\'s golang-go and golang-github-klauspost-{compress,pgzip}-dev are not in the chroot: run scripts/peers/modern-engine.sh setup (CI does)';
  }
  const v = debVersion('golang-github-klauspost-compress-dev') ?? 'unknown';
  if (!v.startsWith('1.20.0')) return `forky's klauspost/compress is ${v}, the reference these tests expect is 1.20.0`;
  return false;
}
export const PGZIPPER_SKIP = goSkip();

export const PODMAN_SKIP = !chrootThere ? NO_CHROOT : !existsSync(join(FORKY, 'usr/bin/podman')) ? `podman is not in the chroot at ${FORKY}: run scripts/peers/modern-engine.sh setup (CI does)` : false;
export const SKOPEO_SKIP = chrootThere ? false : NO_CHROOT;

/** A scratch folder under /tmp (which the chroot shares), removed at exit. */
export function forkyScratch(prefix: string): string {
  const d = mkdtempSync(join('/tmp', prefix));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Runs a chroot tool; returns its standard output, or throws with its standard error. */
export function forky(args: string[], env: Record<string, string> = {}): string {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const r = spawnSync(SCRIPT, ['run', 'env', ...envArgs, ...args], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${args.slice(0, 2).join(' ')} failed: ${r.stderr.toString().trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout.toString();
}

let built: string | undefined;

/** Builds pgzipper once per process with forky's Go and returns its path. */
export function buildPgzipper(): string {
  if (built) return built;
  const dir = forkyScratch('stowage-pgzipper-');
  copyFileSync(join(ROOT, 'test/recipes/go-pgzip/pgzipper.go'), join(dir, 'pgzipper.go'));
  forky(['go', 'build', '-o', join(dir, 'pgzipper'), join(dir, 'pgzipper.go')], {
    GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(dir, 'cache'), GOFLAGS: '', HOME: dir,
  });
  built = join(dir, 'pgzipper');
  return built;
}

/** `input` gzip'd by the real pgzip: io.Copy's writes, or writes of `write` bytes; `threads` blocks at once. */
export function pgzipped(bin: string, input: Buffer, opts: { write?: number; threads?: number } = {}): Buffer {
  return execFileSync(bin, ['-write', String(opts.write ?? 0), '-threads', String(opts.threads ?? 0)], { input, maxBuffer: 1 << 30 });
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** An OCI layout holding one image tagged `tag` whose layers are the given tars, uncompressed. */
export function uncompressedLayout(dir: string, tag: string, tars: Buffer[]): void {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => { writeFileSync(join(dir, 'blobs/sha256', sha(b).slice(7)), b); return sha(b); };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: tars.map(sha) } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: put(config) },
    layers: tars.map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: b.length, digest: put(b) })),
  }));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: put(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
}

/** The layer blobs of the one image of an OCI layout, in manifest order. */
export function layoutLayers(dir: string): Buffer[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(dir, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  return manifest.layers.map((l: { digest: string }) => readFileSync(join(dir, 'blobs/sha256', l.digest.slice(7))));
}

/** Podman with a private vfs store under `dir`. */
export function podman(dir: string, args: string[]): string {
  return forky(['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', ...args], { PODMAN_IGNORE_CGROUPSV1_WARNING: '1' });
}
