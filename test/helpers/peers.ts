/**
 * Access to the real peers for end-to-end tests: the private dockerd of scripts/peers/start-dockerd.sh, skopeo,
 * umoci, podman. A test that needs a peer skips, saying how to get it, when the peer is not there; CI installs
 * and starts them all (.ci/run), so there they run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PEERS = process.env.STOWAGE_PEERS ?? '/tmp/stowage-peers';
export const DOCKER_HOST = process.env.STOWAGE_DOCKER_HOST ?? `unix://${PEERS}/docker/docker.sock`;
export const DOCKER_SOCKET = DOCKER_HOST.replace(/^unix:\/\//, '');

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let dockerUp: boolean | undefined;
export function haveDocker(): boolean {
  if (dockerUp === undefined) {
    dockerUp = existsSync(DOCKER_SOCKET) && haveCommand('docker') &&
      spawnSync('docker', ['version'], { env: dockerEnv(), stdio: 'ignore', timeout: 10000 }).status === 0;
  }
  return dockerUp;
}

export const DOCKER_SKIP = `no Docker engine on ${DOCKER_HOST}: run scripts/peers/install.sh and scripts/peers/start-dockerd.sh (CI does)`;
export const skipUnless = (cmd: string) => (haveCommand(cmd) ? false : `${cmd} is not installed: run scripts/peers/install.sh (CI does)`);

export function dockerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST, DOCKER_BUILDKIT: '0' };
}

/** Runs the docker CLI against the private engine; returns stdout. */
export function docker(args: string[], input?: Buffer | string): string {
  return execFileSync('docker', args, { env: dockerEnv(), input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

export function dockerInspect(name: string): any {
  return JSON.parse(docker(['image', 'inspect', name]))[0];
}

/** The layerdb folder of the engine: image/<driver>/layerdb/sha256, one folder per ChainID. */
export function layerdb(): string {
  const info = JSON.parse(docker(['info', '--format', '{{json .}}']));
  return `${info.DockerRootDir}/image/${info.Driver}/layerdb/sha256`;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: Buffer } = {}): string {
  return execFileSync(cmd, args, { env: opts.env ?? process.env, input: opts.input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

export const SKOPEO_DAEMON = ['--daemon-host', DOCKER_HOST];

/**
 * Whether this process may mount a small tmpfs over `dir` in a private mount namespace (root with `unshare`): the
 * full-disk tests run their writer there. A probe, for a skip.
 */
export function unshareTmpfs(dir: string): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${dir}`]).status === 0;
}
