/**
 * The three Docker engines "docker load accepts it" is claimed for: dockerd 20.10 (Debian 12, classic store), and
 * Docker 28.5 from Debian forky in a chroot with the classic store and with the containerd image store (the
 * default of new Docker 29 installs). CI starts all three (scripts/peers/start-dockerd.sh, modern-engine.sh); a
 * test skips an engine that is not running, saying how to start it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DOCKER_HOST } from './peers.js';

export interface Engine {
  /** For test names: "dockerd 20.10 (classic)". */
  name: string;
  host: string;
  store: 'classic' | 'containerd';
  /** Why it is not available, or false. */
  skip: string | false;
  /** Runs the docker CLI against it; returns stdout. */
  docker(args: string[]): string;
  /** The same, returning status and output instead of throwing. */
  tryDocker(args: string[]): { status: number; out: string };
}

const FORKY = process.env.STOWAGE_FORKY ?? '/opt/stowage-forky';

function engine(name: string, host: string, store: Engine['store'], how: string): Engine {
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0' };
  const sock = host.replace(/^unix:\/\//, '');
  const up = existsSync(sock) && spawnSync('docker', ['version'], { env, stdio: 'ignore', timeout: 10000 }).status === 0;
  return {
    name, host, store,
    skip: up ? false : `${name} is not running on ${host}: ${how} (CI does)`,
    docker: (args) => execFileSync('docker', args, { env, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] }).toString(),
    tryDocker: (args) => {
      const r = spawnSync('docker', args, { env, maxBuffer: 1 << 30 });
      return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    },
  };
}

export const ENGINES: Engine[] = [
  engine('dockerd 20.10 (classic store)', DOCKER_HOST, 'classic', 'run scripts/peers/install.sh and scripts/peers/start-dockerd.sh'),
  engine('Docker 28.5 (classic store)', process.env.STOWAGE_DOCKER28_CLASSIC ?? `unix://${FORKY}/run/stowage-dk-classic/docker.sock`, 'classic',
    'run scripts/peers/modern-engine.sh setup, then scripts/peers/modern-engine.sh start classic'),
  engine('Docker 28.5 (containerd store)', process.env.STOWAGE_DOCKER28_CONTAINERD ?? `unix://${FORKY}/run/stowage-dk-containerd/docker.sock`, 'containerd',
    'run scripts/peers/modern-engine.sh setup, then scripts/peers/modern-engine.sh start containerd'),
];
