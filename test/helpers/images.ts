/**
 * Builds the end-to-end test images in the private dockerd, once per test process: a busybox base made by
 * `docker import`, and an app built on it by `docker build` (legacy builder) with several layers, whiteouts,
 * opaque directories, hard links, long and non-ASCII names and some megabytes of data.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from './peers.js';
import { scratch } from './paths.js';

export function busybox(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (existsSync(p) && /statically linked|static-pie/.test(execFileSync('file', ['-L', p]).toString())) return p;
  }
  throw new Error('busybox-static is needed for the e2e images: run scripts/peers/install.sh');
}

/** A filesystem tar of a minimal busybox root, with fixed times so its DiffID is stable. */
export function busyboxRootfs(dir: string): string {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  copyFileSync(busybox(), join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'ls', 'cat', 'echo', 'mkdir', 'rm', 'ln', 'printf', 'head', 'sha256sum', 'find', 'stat', 'touch', 'mv', 'cp', 'true']) {
    execFileSync('ln', ['-sf', 'busybox', join(root, 'bin', a)]);
  }
  execFileSync('sh', ['-c', `find "${root}" -exec touch -h -d @0 {} +`]);
  const tar = join(dir, 'rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '-C', root, '-cf', tar, '.']);
  return tar;
}

let built = false;
export const BASE = 'stowage-e2e/base:1';
export const APP = 'stowage-e2e/app:1';

const LONG = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(60)].join('/');

/** `docker build` (legacy builder) of `tag` in the private engine from these Dockerfile lines in folder `ctx`. */
function dockerBuild(tag: string, lines: string[], ctx: string): void {
  writeFileSync(join(ctx, 'Dockerfile'), [...lines, ''].join('\n'));
  docker(['build', '-q', '-t', tag, ctx]);
}

/** Builds `tag` on BASE (built first) from these Dockerfile lines after its FROM, in a context of its own. */
export function buildOnBase(tag: string, lines: string[]): void {
  buildTestImages();
  dockerBuild(tag, [`FROM ${BASE}`, ...lines], scratch('stowage-build-'));
}

/** Builds BASE and APP in the engine (idempotent within a process). */
export function buildTestImages(): void {
  if (built) return;
  const dir = scratch('stowage-e2e-');
  docker(['import', '-m', 'busybox base', busyboxRootfs(dir), BASE]);
  const ctx = join(dir, 'ctx');
  mkdirSync(ctx);
  // 4 MiB of pseudo-random bytes: a layer big enough to stream in several chunks.
  execFileSync('sh', ['-c', `head -c 4194304 /dev/urandom > "${join(ctx, 'big.bin')}"`]);
  dockerBuild(APP, [
    `FROM ${BASE}`,
    'RUN mkdir -p /data/dir /data/keep && echo one > /data/a.txt && echo two > /data/dir/b.txt && echo k > /data/keep/k && ln /data/a.txt /data/hard.txt',
    `RUN mkdir -p "/data/${LONG}" && echo deep > "/data/${LONG}/file.txt" && echo x > "/data/é-ünïcødé-名前.txt"`,
    'RUN rm /data/a.txt && rm -rf /data/dir && mkdir /data/dir && echo three > /data/dir/c.txt && ln /data/keep/k /data/hard2',
    'COPY big.bin /big.bin',
    'ENV APP=1',
    'LABEL org.example=e2e',
    'ENTRYPOINT ["/bin/sh", "-c"]',
    'CMD ["cat /data/dir/c.txt"]',
  ], ctx);
  built = true;
}

export { LONG };
