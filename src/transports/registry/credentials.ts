/**
 * Where registry credentials come from, in docker's order: given (flag, library caller, environment), then the
 * docker config file: `credHelpers[host]`, `credsStore`, `auths[host]` (base64 `user:password` or an identity
 * token). Helpers are the `docker-credential-NAME` programs (`get`, server URL on standard input). Credentials are
 * returned to the HTTP layer only: never printed, logged, or put in an error message.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StowageError } from '../../errors.js';
import { envCredentials, type Credentials, type RegistryOptions } from './options.js';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The docker config file to read: --authfile, $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json. */
export function configPath(opts: RegistryOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.authFile) return opts.authFile;
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Docker Hub has historical names; its credentials live under the v1 index URL. */
const HUB = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** `https://host:port/v1/` -> `host:port`, as docker matches config keys. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

function isHub(host: string): boolean {
  return HUB.some((h) => keyHost(h) === host);
}

/** The server URL a credential helper is asked about (docker passes Hub's as the v1 index URL). */
function helperServer(host: string): string {
  return isHub(host) ? 'https://index.docker.io/v1/' : host;
}

async function readConfig(path: string, explicit: boolean): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (explicit) throw new StowageError(`${path}: cannot read the auth file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as DockerConfig) : {};
  } catch {
    throw new StowageError(`${path}: not valid JSON`);
  }
}

/** Runs `docker-credential-NAME get`; undefined when the helper has nothing for this server. */
export function runHelper(name: string, server: string): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new StowageError(`credential helper name ${JSON.stringify(name)} is not valid`));
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, ['get'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new StowageError(e.code === 'ENOENT' ? `credential helper docker-credential-${name} is not installed (named by the docker config)` : `credential helper docker-credential-${name}: ${e.message}`));
    });
    child.on('close', (code) => {
      // Helpers answer "credentials not found" (on stdout or stderr) with a non-zero status when they know nothing.
      if (code !== 0) {
        if (/not found/i.test(out + err)) return resolve(undefined);
        return reject(new StowageError(`credential helper docker-credential-${name} failed (exit ${code})`));
      }
      try {
        const v = JSON.parse(out) as { Username?: string; Secret?: string };
        if (!v.Secret) return resolve(undefined);
        resolve({ username: v.Username ?? '', password: v.Secret });
      } catch {
        reject(new StowageError(`credential helper docker-credential-${name} answered something that is not JSON`));
      }
    });
    child.stdin.on('error', () => { /* exit status says why */ });
    child.stdin.end(server);
  });
}

function fromEntry(e: AuthEntry): Credentials | undefined {
  if (e.identitytoken) return { username: '<token>', password: e.identitytoken };
  if (e.username && e.password !== undefined) return { username: e.username, password: e.password };
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  return undefined;
}

/** The credentials to use for a registry host (`host[:port]`), or undefined for anonymous access. */
export async function resolveCredentials(host: string, opts: RegistryOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  if (opts.creds) return opts.creds;
  const fromEnv = envCredentials(env);
  if (fromEnv) return fromEnv;
  const cfg = await readConfig(configPath(opts, env), opts.authFile !== undefined);
  const matches = (key: string) => keyHost(key) === host || (isHub(host) && isHub(keyHost(key)));
  const helper = Object.entries(cfg.credHelpers ?? {}).find(([k]) => matches(k))?.[1];
  if (helper) return runHelper(helper, helperServer(host));
  if (cfg.credsStore) {
    const c = await runHelper(cfg.credsStore, helperServer(host));
    if (c) return c;
  }
  for (const [k, e] of Object.entries(cfg.auths ?? {})) {
    if (matches(k) && e && typeof e === 'object') {
      const c = fromEntry(e);
      if (c) return c;
    }
  }
  return undefined;
}
