/**
 * The real encoder the recipe tests compare with: test/recipes/go/gzipper.go built by the Go toolchain on PATH
 * (Debian bookworm's golang-go is Go 1.19, whose compress/gzip writes what Go 1.8-1.26 write). Built once per test
 * process, in `before`, into a scratch directory.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { skipUnless } from '../helpers/peers.js';
import { ROOT, scratch } from '../helpers/paths.js';

export const GO_SKIP = skipUnless('go') && 'go is not installed: run scripts/peers/install.sh (Debian golang-go; CI does)';

let built: string | undefined;

/** Builds the reference and returns the path of its binary. */
export function buildGzipper(): string {
  if (built) return built;
  const dir = scratch('stowage-gozip-');
  const bin = join(dir, 'gzipper');
  execFileSync('go', ['build', '-o', bin, join(ROOT, 'test/recipes/go/gzipper.go')], {
    env: { ...process.env, GO111MODULE: 'off', GOCACHE: join(dir, 'cache'), GOFLAGS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  built = bin;
  return bin;
}

/** `input` gzip'd by Go's compress/gzip at `level`, with writes of `write` bytes (0: io.Copy's 32 KiB). */
export function goGzipped(bin: string, input: Buffer, level: number, write = 0): Buffer {
  return execFileSync(bin, ['-level', String(level), '-write', String(write)], { input, maxBuffer: 1 << 30 });
}

/** The Go toolchain's version line (go version), for messages. */
export function goVersion(): string {
  return execFileSync('go', ['version']).toString().trim();
}

/** GOROOT, whose source tree and tool binaries make real tars to compress. */
export function goRoot(): string {
  return execFileSync('go', ['env', 'GOROOT']).toString().trim();
}
