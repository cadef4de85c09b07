/**
 * The registry flags `copy`, `push` and `pull` share: credentials (per side or both), TLS, plain HTTP, retries,
 * and for pushes the layer compression, parallelism and upload chunking. Credentials given here go to the HTTP
 * layer only; they are never printed.
 */
import { collect } from './output-options.js';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Compressor } from '../compress/compress.js';
import { parseCreds, type RegistryOptions } from '../transports/registry/options.js';
import type { PushOptions } from '../transports/registry/push.js';

export interface RegistryFlags {
  creds?: string;
  srcCreds?: string;
  destCreds?: string;
  authfile?: string;
  insecure?: boolean;
  plainHttp?: boolean;
  caCert?: string[];
  certDir?: string;
  retries?: string;
  compression?: string;
  compressionLevel?: string;
  recompress?: boolean;
  jobs?: string;
  chunkSize?: string;
  manifestFormat?: string;
  baseRepo?: string[];
}


export function addRegistryFlags(cmd: Command, sides: { src: boolean; dest: boolean }): Command {
  cmd.option('--creds <user:password>', 'registry credentials (both sides); the password may come from STOWAGE_REGISTRY_PASSWORD');
  if (sides.src && sides.dest) {
    cmd.option('--src-creds <user:password>', 'credentials for the source registry');
    cmd.option('--dest-creds <user:password>', 'credentials for the destination registry');
  }
  cmd
    .option('--authfile <path>', 'docker config with auths/credsStore/credHelpers (default $DOCKER_CONFIG/config.json, ~/.docker/config.json)')
    .option('--ca-cert <file>', 'trust this CA (PEM) for registry TLS; repeatable', collect)
    .option('--cert-dir <dir>', 'a certificate folder as docker\'s certs.d: *.crt CAs, NAME.cert/NAME.key client certificate')
    .option('--insecure', 'do not verify registry TLS certificates, and allow plain HTTP')
    .option('--plain-http', 'speak plain HTTP to the registry (loopback registries get it without asking)')
    .option('--retries <n>', 'attempts per request on 429, 5xx and dropped connections (default 5)');
  if (sides.dest) {
    cmd
      .option('--compression <gzip|zstd>', 'compress layers stored uncompressed with this (default gzip; compressed layers are sent as they are)')
      .option('--recompress', 'also recompress layers stored in another compression (gzip to zstd); their digests change')
      .option('--compression-level <n>', 'gzip 1-9 (default 2: within 3% of the sizes skopeo pushes, 2.5 times as fast as 6), zstd 1-19 (default 3)')
      .option('--jobs <n>', 'layers uploaded at once (default 4)')
      .option('--chunk-size <size>', 'upload in chunks of this size (e.g. 16M), each resumable, instead of one request per layer')
      .option('--manifest-format <oci|docker>', 'manifest type when one is built: OCI (default) or Docker schema 2')
      .option('--base-repo <repo>', 'a repository on the same registry holding the base of a thin archive: its layers are mounted from there; repeatable', collect);
  }
  return cmd;
}

function int(v: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} wants a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}

export function parseSize(v: string, flag: string): number {
  const m = /^(\d+)([kKmMgG]?)i?[bB]?$/.exec(v);
  if (!m) throw new UsageError(`${flag} wants a size like 16M or 1048576, not ${JSON.stringify(v)}`);
  const mult = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * mult;
  if (n < 1 << 16) throw new UsageError(`${flag}: chunks under 64 KiB would make too many requests`);
  return n;
}

/** The RegistryOptions for one side (`src` or `dest`). */
export function registryOptions(f: RegistryFlags, side: 'src' | 'dest'): RegistryOptions {
  const o: RegistryOptions = {};
  const creds = (side === 'src' ? f.srcCreds : f.destCreds) ?? f.creds;
  if (creds !== undefined) o.creds = parseCreds(creds, side === 'src' && f.srcCreds ? '--src-creds' : side === 'dest' && f.destCreds ? '--dest-creds' : '--creds');
  if (f.authfile) o.authFile = f.authfile;
  if (f.insecure) o.tlsVerify = false;
  if (f.plainHttp) o.plainHttp = true;
  if (f.caCert?.length) o.caCerts = f.caCert;
  if (f.certDir) o.certDir = f.certDir;
  const retries = int(f.retries, '--retries', 1, 100);
  if (retries !== undefined) o.retries = retries;
  return o;
}

export function pushOptions(f: RegistryFlags): PushOptions {
  const o: PushOptions = registryOptions(f, 'dest');
  if (f.compression !== undefined) {
    if (f.compression !== 'gzip' && f.compression !== 'zstd') throw new UsageError(`--compression must be gzip or zstd, not ${JSON.stringify(f.compression)}`);
    o.compression = f.compression as Compressor;
  }
  if (f.recompress) o.recompress = true;
  const level = int(f.compressionLevel, '--compression-level', 1, 19);
  if (level !== undefined) o.compressionLevel = level;
  const jobs = int(f.jobs, '--jobs', 1, 64);
  if (jobs !== undefined) o.jobs = jobs;
  if (f.chunkSize !== undefined) o.chunkSize = parseSize(f.chunkSize, '--chunk-size');
  if (f.manifestFormat !== undefined) {
    if (f.manifestFormat !== 'oci' && f.manifestFormat !== 'docker') throw new UsageError(`--manifest-format must be oci or docker, not ${JSON.stringify(f.manifestFormat)}`);
    o.manifestFormat = f.manifestFormat;
  }
  if (f.baseRepo?.length) o.baseRepos = f.baseRepo;
  return o;
}
