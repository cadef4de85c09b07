/** What a registry connection may be told by the user: credentials, TLS, retries. Never printed. */
import { UsageError } from '../../errors.js';

export interface Credentials {
  username: string;
  /** A password, or an identity (refresh) token when `username` is `<token>`. */
  password: string;
}

export interface RegistryOptions {
  /** Credentials given on the command line or by the library caller; they win over every other source. */
  creds?: Credentials;
  /** A docker config file (`auths`, `credsStore`, `credHelpers`) instead of $DOCKER_CONFIG/config.json. */
  authFile?: string;
  /** Verify TLS certificates (default true). False also allows plain HTTP, as docker's insecure registries do. */
  tlsVerify?: boolean;
  /** Speak plain HTTP (default: only to a loopback registry whose HTTPS port does not answer TLS). */
  plainHttp?: boolean;
  /** Extra CA certificates (PEM files) trusted for this registry, on top of the system's. */
  caCerts?: string[];
  /** A directory as skopeo's --cert-dir: *.crt are CAs, NAME.cert with NAME.key a client certificate. */
  certDir?: string;
  /** Attempts per request on 429, 5xx and dropped connections (default 5, or $STOWAGE_RETRIES). */
  retries?: number;
}

/** Credentials from the environment: STOWAGE_REGISTRY_USERNAME and STOWAGE_REGISTRY_PASSWORD. */
export function envCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const username = env.STOWAGE_REGISTRY_USERNAME;
  const password = env.STOWAGE_REGISTRY_PASSWORD;
  if (username && password !== undefined) return { username, password };
  return undefined;
}

/** Parses `USER[:PASSWORD]` as skopeo's --creds does; a missing password is read from the environment. */
export function parseCreds(text: string, what = '--creds'): Credentials {
  const i = text.indexOf(':');
  const username = i === -1 ? text : text.slice(0, i);
  const password = i === -1 ? process.env.STOWAGE_REGISTRY_PASSWORD : text.slice(i + 1);
  if (!username || password === undefined) throw new UsageError(`${what} wants USER:PASSWORD (or USER with STOWAGE_REGISTRY_PASSWORD set)`);
  return { username, password };
}
