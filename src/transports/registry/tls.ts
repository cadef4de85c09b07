/**
 * TLS settings for one registry host: the system's CAs plus any the user trusts for it (--ca-cert, --cert-dir, and
 * docker's own `certs.d/HOST:PORT/` folders), a client certificate where one is given, or no verification at all
 * when the user said --tls-verify=false.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { StowageError } from '../../errors.js';
import type { RegistryOptions } from './options.js';

export interface TlsSettings {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new StowageError(`${path}: cannot read the certificate (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A cert dir as docker and skopeo read it: *.crt are CAs, X.cert + X.key a client certificate. */
function readCertDir(dir: string, out: TlsSettings, extra: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.crt')) extra.push(readPem(join(dir, name)));
    else if (name.endsWith('.cert')) {
      const key = join(dir, name.replace(/\.cert$/, '.key'));
      if (!existsSync(key)) throw new StowageError(`${join(dir, name)}: client certificate without its key ${key}`);
      out.cert = readPem(join(dir, name));
      out.key = readPem(key);
    }
  }
}

export function tlsSettings(host: string, opts: RegistryOptions): TlsSettings {
  const out: TlsSettings = { rejectUnauthorized: opts.tlsVerify !== false };
  const extra: string[] = [];
  for (const f of opts.caCerts ?? []) extra.push(readPem(f));
  if (opts.certDir) {
    if (!existsSync(opts.certDir)) throw new StowageError(`${opts.certDir}: no such certificate directory`);
    readCertDir(opts.certDir, out, extra);
  } else {
    const folder = host.replace(/^\[|\]/g, '');
    for (const base of ['/etc/docker/certs.d', join(homedir(), '.docker', 'certs.d')]) {
      const d = join(base, host);
      if (existsSync(d)) readCertDir(d, out, extra);
      void folder;
    }
  }
  // Giving `ca` replaces Node's roots, so the system's stay in the list.
  if (extra.length) out.ca = [...rootCertificates, ...extra];
  return out;
}
