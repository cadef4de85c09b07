/**
 * Real CNCF registries (Debian docker-registry) for the registry tests, each started by the test itself on a free
 * loopback port through scripts/peers/start-registry.sh, optionally behind htpasswd basic auth, a token service, or
 * TLS with a self-signed CA made here with openssl. Also small images made from random bytes, so these tests need
 * no Docker engine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildImage, writeDockerArchive, writeOciLayout } from './build-image.js';
import { file, layerOf } from './build-layer.js';
import { runAsync, type CliResult } from './cli.js';
import { CLI, ROOT } from './paths.js';
import { haveCommand } from './peers.js';

export const REGISTRY_SKIP = haveCommand('docker-registry')
  ? false
  : 'docker-registry (the CNCF registry) is not installed: run scripts/peers/install.sh (CI does)';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Tls {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/** A CA and a server certificate for 127.0.0.1 and localhost signed by it. */
export function makeTls(dir: string): Tls {
  mkdirSync(dir, { recursive: true });
  const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=stowage test CA']);
  o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  o(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext']);
  return { dir, ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export interface RegistryOpts {
  htpasswd?: { user: string; password: string };
  tls?: Tls;
  /** Extra YAML for the top level (an auth: token: section). */
  yaml?: string;
}

export interface Registry {
  addr: string;
  dir: string;
  log(): string;
  /** Completed blob uploads (PUT .../blobs/uploads/...digest= answered 201), optionally in one repository. */
  blobUploads(repo?: string): number;
  /** Successful cross-repository mounts (POST ...?mount= answered 201). */
  mounts(repo?: string): number;
  stop(): void;
}

let count = 0;

/** What a registry answers for a manifest asked for with `accept`: the status, its Docker-Content-Digest, the bytes. */
export async function manifestAt(reg: Registry, repo: string, ref: string, accept: string): Promise<{ status: number; digest: string | null; bytes: Buffer }> {
  const res = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${ref}`, { headers: { Accept: accept } });
  return { status: res.status, digest: res.headers.get('docker-content-digest'), bytes: Buffer.from(await res.arrayBuffer()) };
}

export async function startRegistry(opts: RegistryOpts = {}): Promise<Registry> {
  // Not scratch(): the registry must be stopped before its folder goes (exit handlers run in order).
  const peers = mkdtempSync(join(tmpdir(), 'stowage-reg-'));
  const name = `t${process.pid}-${count++}`;
  const addr = `127.0.0.1:${await freePort()}`;
  let yaml = '';
  if (opts.tls) yaml += `  tls:\n    certificate: ${opts.tls.cert}\n    key: ${opts.tls.key}\n`;
  if (opts.htpasswd) {
    const file = join(peers, 'htpasswd');
    writeFileSync(file, execFileSync('htpasswd', ['-Bbn', opts.htpasswd.user, opts.htpasswd.password]));
    yaml += `auth:\n  htpasswd:\n    realm: stowage-test\n    path: ${file}\n`;
  }
  if (opts.yaml) yaml += opts.yaml;
  const extra = join(peers, 'extra.yml');
  writeFileSync(extra, yaml);
  const env = { ...process.env, STOWAGE_PEERS: peers };
  const script = (s: string, args: string[]) => execFileSync(join(ROOT, 'scripts/peers', s), args, { env, stdio: 'pipe' });
  script('start-registry.sh', [name, addr, extra]);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { script('stop-registry.sh', [name]); } catch { /* already gone */ }
    rmSync(peers, { recursive: true, force: true });
  };
  process.on('exit', stop);
  const dir = join(peers, `registry-${name}`);
  // A test process killed from outside (a timeout) runs no exit handler: a watchdog stops the registry then.
  const pid = readFileSync(join(dir, 'pid'), 'utf8').trim();
  spawn('sh', ['-c', 'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -0 "$0" 2>/dev/null || { kill "$1" 2>/dev/null; rm -rf "$2"; }', String(process.pid), pid, peers], { detached: true, stdio: 'ignore' }).unref();
  const log = () => readFileSync(join(dir, 'registry.log'), 'utf8');
  const lines = (re: RegExp) => log().split('\n').filter((l) => re.test(l));
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return {
    addr,
    dir,
    log,
    blobUploads: (repo) => lines(new RegExp(`"PUT /v2/${repo ? esc(repo) : '.+'}/blobs/uploads/[^"]*digest=[^"]*" 201 `)).length,
    mounts: (repo) => lines(new RegExp(`"POST /v2/${repo ? esc(repo) : '.+'}/blobs/uploads/\\?mount=[^"]*" 201 `)).length,
    stop,
  };
}

/**
 * A docker-archive (`docker save` layout with `<diffid>.tar` layers, uncompressed) of an image whose layers hold
 * the given bytes; the same bytes give the same layers across calls, so images can share a base.
 */
export async function randomArchive(path: string, layers: Buffer[], tag: string, opts: { omit?: number[] } = {}): Promise<{ diffIds: string[]; imageId: string }> {
  const built = await Promise.all(layers.map((data, i) => layerOf([file(`data/layer-${i}.bin`, data)])));
  const img = buildImage(built, {
    tags: [tag],
    config: { created: '2026-01-01T00:00:00Z', config: { Cmd: ['/bin/sh'] } },
    history: (i) => ({ created: '2026-01-01T00:00:00Z', created_by: `layer ${i}` }),
  });
  // A thin archive (what `stowage delta` writes) lists every layer but leaves some files out.
  await writeDockerArchive(path, [img], { manifestFirst: true, omit: opts.omit });
  return { diffIds: img.diffIds, imageId: img.imageId };
}

/**
 * An OCI layout holding an image index of one image per platform (gzip layers, one shared), as a multi-platform
 * image in a registry is.
 */
export async function multiPlatformLayout(dir: string, platforms: { os: string; architecture: string; variant?: string }[]): Promise<{ indexDigest: string }> {
  const shared = await layerOf([file('shared.txt', 'shared base\n')], 'gzip');
  const images = await Promise.all(platforms.map(async (p) => buildImage(
    [shared, await layerOf([file('platform.txt', `${p.os}/${p.architecture}\n`), file('noise.bin', randomBytes(64 << 10))], 'gzip')],
    { config: { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) }, history: false },
  )));
  return { indexDigest: writeOciLayout(dir, [{ index: images, ref: 'multi' }]).digests[0]! };
}

export { runAsync };

/** The stowage CLI, asynchronously (see runAsync in cli.ts). */
export function stowageAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runAsync(process.execPath, [CLI, ...args], { env: { STOWAGE_NO_PROGRESS: '1', ...(opts.env ?? {}) } });
}
