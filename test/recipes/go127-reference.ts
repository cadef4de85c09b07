/**
 * Go 1.27's real compress/gzip, the reference for the go-flate 1.27 recipe: test/recipes/go/gzipper.go built by
 * Debian forky's golang-go (Go 1.27) in the forky chroot (scripts/peers/modern-engine.sh setup installs it; the
 * chroot shares /tmp). The binary is static (no cgo), so it runs on the host. Built once per test process.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, scratch } from '../helpers/paths.js';

const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';
const GO = '/usr/lib/go-1.27/bin/go';
/** Go 1.27's GOROOT seen from the host: its source tree and tool binaries make real tars to compress. */
export const GO127_ROOT = join(FORKY, 'usr/lib/go-1.27');

export const GO127_SKIP = !existsSync(join(FORKY, GO))
  ? `Go 1.27 is not installed in the forky chroot ${FORKY} (scripts/peers/modern-engine.sh setup installs golang-go; CI does)`
  : process.getuid?.() !== 0 ? 'building with Go 1.27 in the forky chroot needs root (CI runs as root)' : false;

let built: string | undefined;

/** Builds the Go 1.27 reference and returns the path of its binary. */
export function buildGo127Gzipper(): string {
  if (built) return built;
  const dir = scratch('stowage-go127zip-');
  copyFileSync(join(ROOT, 'test/recipes/go/gzipper.go'), join(dir, 'gzipper.go'));
  execFileSync(join(ROOT, 'scripts/peers/modern-engine.sh'), ['run', 'env', 'GO111MODULE=off', 'CGO_ENABLED=0', `GOCACHE=${dir}/cache`, `HOME=${dir}`, 'GOFLAGS=',
    GO, 'build', '-o', join(dir, 'gzipper'), join(dir, 'gzipper.go')], { stdio: ['ignore', 'ignore', 'pipe'] });
  built = join(dir, 'gzipper');
  return built;
}

/** The version line of the chroot's Go, for messages. */
export function go127Version(): string {
  return execFileSync(join(ROOT, 'scripts/peers/modern-engine.sh'), ['run', GO, 'version']).toString().trim();
}
